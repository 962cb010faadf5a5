"""The training file's "Exam results" section (key ``exam_results``, order 75).

``register_trainingfile_section()`` is called from ``AssessmentsConfig.ready``. The section
records the class's exams (times, whether they count for the certificate) and every enrolled
trainee's counted result at each, as ``08-exam-results.pdf`` and ``08-exam-results.xlsx``. The
same table is the results page's XLSX download. Four queries per class, whatever its size.
"""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from lms.trainingfile.documents import Paragraph, Percent, Report, Table

from .analysis import class_results


def cell_texts(cell):
    """``(score, percent, result)`` of one trainee at one exam."""
    if cell.state == "graded":
        percent = cell.attempt.percent
        return (
            cell.attempt.score,
            Percent(percent / 100 if percent is not None else None),
            _("Passed") if cell.attempt.passed else _("Failed"),
        )
    label = {
        "awaiting": _("Awaiting grading"),
        "in_progress": _("In progress"),
        "not_attempted": _("Not attempted"),
    }[cell.state]
    return None, None, label


def results_table(assignments, rows):
    headers = [_("No."), _("Trainee")]
    for assignment in assignments:
        title = assignment.exam.title
        headers += [
            _("%(exam)s: score") % {"exam": title},
            _("%(exam)s: percent") % {"exam": title},
            _("%(exam)s: result") % {"exam": title},
        ]
    table_rows = []
    for n, row in enumerate(rows, start=1):
        values = [n, row.enrolment.profile.real_name]
        for cell in row.cells:
            values += list(cell_texts(cell))
        table_rows.append(values)
    return Table(
        sheet=_("Exam results"),
        title=_("Results per trainee"),
        headers=headers,
        rows=table_rows,
        widths=[1, 2.4, *([1.4, 1.4, 1.8] * len(assignments))],
        empty_text=_("No trainees are enrolled."),
    )


def assignments_table(assignments):
    return Table(
        sheet=_("Exams"),
        title=_("Exams set for the class"),
        headers=[
            _("Exam"),
            _("Opens at"),
            _("Closes at"),
            _("Time limit (minutes)"),
            _("Pass mark (%)"),
            _("Grading method"),
            _("Counts for the certificate"),
        ],
        rows=[
            [
                a.exam.title,
                a.opens_at,
                a.closes_at,
                a.exam.time_limit_minutes,
                a.exam.pass_mark,
                a.exam.get_grading_method_display(),
                a.counts_for_completion,
            ]
            for a in assignments
        ],
        widths=[5, 2.6, 2.6, 1.6, 1.6, 2, 1.6],
        empty_text=_("No exam was set for this class."),
    )


def results_report(training_class, assignments, rows):
    return Report(
        title=_("Exam results"),
        subtitle=f"{training_class.name}（{training_class.code}）",
        blocks=[
            Paragraph(
                _(
                    "For each trainee and exam, the counted attempt under the exam's grading "
                    "method (highest or last); “awaiting grading” means a lecturer has not yet "
                    "scored every answer."
                )
            ),
            results_table(assignments, rows),
            assignments_table(assignments),
        ],
        landscape=True,
    )


def build_exam_results(record):
    from lms.trainingfile.sections import Output, class_caption

    assignments, rows = class_results(record.training_class)
    report = results_report(record.training_class, assignments, rows)
    report.subtitle = class_caption(record)
    title = _("Exam results per trainee")
    return [
        Output("08-exam-results.pdf", title, report),
        Output("08-exam-results.xlsx", title, report),
    ]


def register_trainingfile_section():
    from lms.trainingfile.sections import register_section

    register_section(
        "exam_results",
        title=gettext_lazy("Exam results"),
        order=75,
        build=build_exam_results,
    )
