"""The question bank and exam definitions: their rules, and the XLSX import and export.

- ``question_problems`` is the per-kind rule set (pure): choice questions need at least two
  options keyed A, B, C... and the right number of correct keys; true/false ``[true]`` or
  ``[false]``; fill-in at least one accepted answer; short answers and practical tasks a rubric
  whose positive points add up to the question's points.
- ``exam_problems`` checks a definition against the bank: fixed questions of the exam's course
  and tier and in use; enough questions in use for every draw rule.
- ``do_save_question``, ``do_retire_question``, ``do_delete_question``, ``do_save_exam`` change
  rows in one transaction and write the audit row; the ``check_*`` functions authorise
  (``Http404`` for another lecturer's course) and validate first.
- ``import_questions`` reads the XLSX template, checks every row and saves them all or none,
  returning a row-by-row report; ``export_questions`` writes the bank in the same format. The
  file handling (the template, reading rows, the report, all or nothing) is
  ``lms.core.xlsx``'s, shared with the candidates' import; the columns and rules are here.
"""

import re
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count
from django.http import Http404
from django.utils.translation import gettext as _
from django.utils.translation import override

from lms.audit.actions import record
from lms.core import xlsx

from ..models import (
    AttemptQuestion,
    Difficulty,
    DrawRule,
    Exam,
    ExamQuestion,
    Question,
    QuestionKind,
)
from ..policy import bank_courses_of, can_edit_bank

OPTION_KEYS = "ABCDEF"
CHOICE_KINDS = {QuestionKind.SINGLE, QuestionKind.MULTIPLE}
RUBRIC_KINDS = {QuestionKind.SHORT_ANSWER, QuestionKind.PRACTICAL}
MAX_CRITERION_CHARS = 200


def no_such_question():
    return Http404(_("No such question."))


def course_tier(course):
    """The tier of ``course`` (its parent ``TierPage``), or "" when it has none."""
    parent = course.get_parent()
    return getattr(parent.specific, "tier", "") if parent is not None else ""


def questions_visible_to(user):
    return Question.objects.filter(course__in=bank_courses_of(user))


def exams_visible_to(user):
    return Exam.objects.filter(course__in=bank_courses_of(user))


# --- Questions -------------------------------------------------------------------------------


def _decimal(value):
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError, TypeError):
        return None
    return number if number.is_finite() else None


def question_problems(*, kind, options, correct, rubric, points):
    """``{field: [message, ...]}`` for everything wrong with a question's content (pure)."""
    problems = {}

    def add(name, message):
        problems.setdefault(name, []).append(message)

    options = options or []
    correct = correct or []
    rubric = rubric or []
    if kind in CHOICE_KINDS:
        keys = [str(option.get("key", "")) for option in options]
        if len(options) < 2:
            add("options", _("A choice question needs at least two options."))
        if len(options) > len(OPTION_KEYS):
            add("options", _("At most %(n)d options.") % {"n": len(OPTION_KEYS)})
        if len(set(keys)) != len(keys):
            add("options", _("Each option needs its own letter."))
        elif keys != list(OPTION_KEYS[: len(keys)]):
            add("options", _("Options are lettered A, B, C… in order, without gaps."))
        if any(not str(option.get("text", "")).strip() for option in options):
            add("options", _("Every option needs a text."))
        unknown = [key for key in correct if key not in keys]
        if unknown:
            add(
                "correct",
                _("The correct answer names options that do not exist: %(keys)s.")
                % {"keys": _(", ").join(str(key) for key in unknown)},
            )
        elif len(set(correct)) != len(correct):
            add("correct", _("Each correct option once."))
        elif kind == QuestionKind.SINGLE and len(correct) != 1:
            add("correct", _("A single-choice question has exactly one correct option."))
        elif kind == QuestionKind.MULTIPLE and not correct:
            add("correct", _("A multiple-choice question needs at least one correct option."))
    elif options:
        add("options", _("Only choice questions have options."))
    if kind == QuestionKind.TRUE_FALSE and correct not in ([True], [False]):
        add("correct", _("Say whether the statement is true or false."))
    if kind == QuestionKind.FILL_IN and (
        not correct or any(not isinstance(a, str) or not a.strip() for a in correct)
    ):
        add("correct", _("Give at least one accepted answer."))
    if kind in RUBRIC_KINDS:
        if correct:
            add("correct", _("Short answers and practical tasks are graded with the rubric."))
        if not rubric:
            add("rubric", _("Give the rubric: at least one criterion with its points."))
        total = Decimal("0")
        for row in rubric:
            criterion = str(row.get("criterion", "")).strip()
            row_points = _decimal(row.get("points"))
            if not criterion:
                add("rubric", _("Every rubric line needs a criterion."))
            elif len(criterion) > MAX_CRITERION_CHARS:
                add("rubric", _("A criterion has at most %(n)d characters.") % {"n": 200})
            if row_points is None or row_points <= 0:
                add("rubric", _("Every criterion's points must be a positive number."))
            else:
                total += row_points
        if rubric and "rubric" not in problems and points is not None and total != points:
            add(
                "rubric",
                _("The rubric's points add up to %(total)s, not the question's %(points)s.")
                % {"total": _number(total), "points": _number(points)},
            )
    elif rubric:
        add("rubric", _("Only short answers and practical tasks have a rubric."))
    if points is None or points <= 0:
        add("points", _("Points must be a positive number."))
    return problems


def _number(value):
    """``Decimal("5.00")`` as "5", ``Decimal("2.50")`` as "2.5"."""
    text = f"{value:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def _question_snapshot(question):
    return {
        "kind": question.kind,
        "topic": question.topic,
        "difficulty": question.difficulty,
        "text": question.text,
        "options": question.options,
        "correct": question.correct,
        "rubric": question.rubric,
        "points": str(question.points),
        "is_active": question.is_active,
    }


def question_in_use(question):
    """Has any attempt or exam used the question? Then it can only be retired."""
    return (
        AttemptQuestion.objects.filter(question=question).exists()
        or ExamQuestion.objects.filter(question=question).exists()
    )


# What grading reads; fixed once a trainee has answered the question.
GRADED_FIELDS = ("kind", "options", "correct", "rubric", "points", "course_id")


def check_save_question(question, *, acting_user):
    """Authorise (``Http404`` for a course the user may not edit) and validate, then save."""
    if question.course_id is None or not can_edit_bank(acting_user, question.course):
        raise no_such_question()
    problems = question_problems(
        kind=question.kind,
        options=question.options,
        correct=question.correct,
        rubric=question.rubric,
        points=question.points,
    )
    if problems:
        raise ValidationError(problems)
    if question.pk is not None and AttemptQuestion.objects.filter(question=question).exists():
        saved = Question.objects.get(pk=question.pk)
        if any(getattr(saved, name) != getattr(question, name) for name in GRADED_FIELDS):
            raise ValidationError(
                _(
                    "Trainees have answered this question, so its kind, options, answer, rubric "
                    "and points stay as they were (their grades depend on them). Retire it and "
                    "add a new question instead."
                )
            )
    return do_save_question(question, acting_user=acting_user)


@transaction.atomic
def do_save_question(question, *, acting_user):
    """Save a new or edited question (its tier is its course's) and audit it."""
    creating = question.pk is None
    before = None
    if not creating:
        before = _question_snapshot(Question.objects.get(pk=question.pk))
    question.tier = course_tier(question.course) or question.tier
    if creating:
        question.created_by = acting_user
    question.save()
    after = _question_snapshot(question)
    changes = (
        after
        if creating
        else {key: [before[key], value] for key, value in after.items() if before[key] != value}
    )
    record(
        "exam.question_created" if creating else "exam.question_edited",
        question,
        actor=acting_user,
        changes=changes,
    )
    return question


@transaction.atomic
def do_retire_question(question, *, acting_user, active=False):
    """Retire a question (never drawn again) or, with ``active=True``, put it back in use."""
    if question.is_active == active:
        return question
    question.is_active = active
    question.save(update_fields=["is_active", "updated_at"])
    record(
        "exam.question_reactivated" if active else "exam.question_retired",
        question,
        actor=acting_user,
        changes={"is_active": [not active, active]},
    )
    return question


def check_delete_question(question, *, acting_user):
    if not can_edit_bank(acting_user, question.course):
        raise no_such_question()
    if question_in_use(question):
        raise ValidationError(
            _("This question has been used in an exam, so it cannot be deleted; retire it instead.")
        )
    do_delete_question(question, acting_user=acting_user)


@transaction.atomic
def do_delete_question(question, *, acting_user):
    record(
        "exam.question_deleted", question, actor=acting_user, changes=_question_snapshot(question)
    )
    question.delete()


# --- Exams -----------------------------------------------------------------------------------


def exam_problems(exam, questions, rules):
    """``{field: [message, ...]}`` for an exam's paper: ``questions`` (fixed, in order) and
    ``rules`` (``[(topic, difficulty, count), ...]``) against the bank of its course and tier."""
    problems = {}

    def add(name, message):
        problems.setdefault(name, []).append(message)

    if exam.mode == Exam.Mode.FIXED:
        if not questions:
            add("questions", _("Choose the exam's questions."))
        if rules:
            add("draw_rules", _("A fixed exam has no draw rules."))
        if len({q.pk for q in questions}) != len(questions):
            add("questions", _("Each question once."))
        for question in questions:
            if question.course_id != exam.course_id or question.tier != exam.tier:
                add(
                    "questions",
                    _("“%(question)s” is not in this course's bank for this tier.")
                    % {"question": question},
                )
            elif not question.is_active:
                add("questions", _("“%(question)s” is retired.") % {"question": question})
    else:
        if questions:
            add("questions", _("A random exam draws its questions; choose none."))
        if not rules:
            add("draw_rules", _("Give at least one draw rule."))
        seen = set()
        for topic, difficulty, _count in rules:
            if (topic, difficulty) in seen:
                add(
                    "draw_rules",
                    _("%(topic)s · %(difficulty)s is given twice.")
                    % {"topic": topic, "difficulty": Difficulty(difficulty).label},
                )
            seen.add((topic, difficulty))
        available = _available(exam, seen)
        for topic, difficulty, count in rules:
            have = available.get((topic, difficulty), 0)
            if count > have:
                add(
                    "draw_rules",
                    _(
                        "%(topic)s · %(difficulty)s: the bank has %(have)d questions in use, "
                        "fewer than %(count)d."
                    )
                    % {
                        "topic": topic,
                        "difficulty": Difficulty(difficulty).label,
                        "have": have,
                        "count": count,
                    },
                )
    return problems


def _available(exam, pairs):
    if not pairs or exam.course_id is None:
        return {}
    rows = (
        Question.objects.filter(
            course_id=exam.course_id,
            tier=exam.tier,
            is_active=True,
            topic__in={topic for topic, _d in pairs},
        )
        .values("topic", "difficulty")
        .annotate(n=Count("pk"))
    )
    return {(row["topic"], row["difficulty"]): row["n"] for row in rows}


def check_save_exam(exam, questions, rules, *, acting_user):
    if exam.course_id is None or not can_edit_bank(acting_user, exam.course):
        raise Http404(_("No such exam."))
    exam.tier = course_tier(exam.course) or exam.tier
    problems = exam_problems(exam, questions, rules)
    if exam.pk is not None:
        problems.update(_fixed_once_used(exam))
    if problems:
        raise ValidationError(problems)
    return do_save_exam(exam, questions, rules, acting_user=acting_user)


def _fixed_once_used(exam):
    """What may no longer change in a saved exam: its course once it is set before a class
    (only exams of the class's plan's courses may be), its pass mark once a trainee has sat it
    (every attempt's pass or fail was decided against it)."""
    problems = {}
    saved = Exam.objects.filter(pk=exam.pk).values("course_id", "pass_mark").first()
    if saved is None:
        return problems
    if saved["course_id"] != exam.course_id and exam.assignments.exists():
        problems["course"] = [
            _(
                "This exam is set before a class, so its course stays as it was. Make a new "
                "exam for the other course."
            )
        ]
    if (
        saved["pass_mark"] != exam.pass_mark
        and exam.assignments.filter(attempts__isnull=False).exists()
    ):
        problems["pass_mark"] = [
            _(
                "Trainees have sat this exam, so its pass mark stays as it was (their results "
                "were decided against it)."
            )
        ]
    return problems


@transaction.atomic
def do_save_exam(exam, questions, rules, *, acting_user):
    """Save the definition and replace its fixed questions (in order) and draw rules.

    Attempts keep their own papers, so changing the definition never changes a sitting."""
    creating = exam.pk is None
    exam.tier = course_tier(exam.course) or exam.tier
    if creating:
        exam.created_by = acting_user
    exam.save()
    exam.fixed_questions.all().delete()
    exam.draw_rules.all().delete()
    ExamQuestion.objects.bulk_create(
        ExamQuestion(exam=exam, question=question, position=position)
        for position, question in enumerate(questions, start=1)
    )
    DrawRule.objects.bulk_create(
        DrawRule(exam=exam, topic=topic, difficulty=difficulty, count=count)
        for topic, difficulty, count in rules
    )
    record(
        "exam.exam_created" if creating else "exam.exam_edited",
        exam,
        actor=acting_user,
        changes={
            "title": exam.title,
            "mode": exam.mode,
            "questions": [question.pk for question in questions],
            "draw_rules": [list(rule) for rule in rules],
            "time_limit_minutes": exam.time_limit_minutes,
            "attempts_allowed": exam.attempts_allowed,
            "pass_mark": str(exam.pass_mark),
        },
    )
    return exam


@transaction.atomic
def do_delete_exam(exam, *, acting_user):
    """Delete an exam never set before a class (the view refuses the others first)."""
    record("exam.exam_deleted", exam, actor=acting_user, changes={"title": exam.title})
    exam.delete()


# --- Text forms of options, answers and rubrics (the editor and the XLSX file share them) ----

TRUE_WORDS = {"对", "正确", "是", "√", "✓", "t", "true", "yes", "y", "1"}
FALSE_WORDS = {"错", "错误", "否", "×", "✗", "x", "f", "false", "no", "n", "0"}
_LIST_SEPARATORS = re.compile(r"[\s,，、;；]+")
_ANSWER_SEPARATORS = re.compile(r"[|｜\n]")
_RUBRIC_LINES = re.compile(r"[\n;；]")
_RUBRIC_POINTS = re.compile(r"^(.*?)[:：]\s*([0-9０-９.．]+)\s*分?$")


def parse_correct(kind, text):
    """The ``correct`` list from its text: "A", "AC" or "A,C"; 对/错; answers split by |."""
    text = (text or "").strip()
    if kind in CHOICE_KINDS:
        text = text.upper().replace("，", ",")
        parts = [p for p in _LIST_SEPARATORS.split(text) if p]
        if len(parts) == 1 and len(parts[0]) > 1 and parts[0].isalpha():
            parts = list(parts[0])  # "AC"
        return parts
    if kind == QuestionKind.TRUE_FALSE:
        word = text.lower()
        if word in TRUE_WORDS:
            return [True]
        if word in FALSE_WORDS:
            return [False]
        return [text] if text else []
    if kind == QuestionKind.FILL_IN:
        return [answer.strip() for answer in _ANSWER_SEPARATORS.split(text) if answer.strip()]
    return [text] if text else []


def correct_text(kind, correct):
    if kind in CHOICE_KINDS:
        return "".join(str(key) for key in correct)
    if kind == QuestionKind.TRUE_FALSE:
        return "对" if correct == [True] else "错" if correct == [False] else ""
    if kind == QuestionKind.FILL_IN:
        return "|".join(str(answer) for answer in correct)
    return ""


def parse_rubric(text):
    """``[{"criterion", "points"}]`` from lines "criterion: points" (a line that does not
    parse keeps its text with no points, and is reported by ``question_problems``)."""
    rubric = []
    for line in _RUBRIC_LINES.split(text or ""):
        line = line.strip()
        if not line:
            continue
        match = _RUBRIC_POINTS.match(line)
        if match:
            criterion = match.group(1).strip()
            points = _decimal(_to_halfwidth(match.group(2)))
            rubric.append({"criterion": criterion, "points": _number(points) if points else ""})
        else:
            rubric.append({"criterion": line, "points": ""})
    return rubric


def rubric_text(rubric):
    return "\n".join(f"{row['criterion']}：{row['points']}" for row in rubric)


def _to_halfwidth(text):
    return text.translate({0xFF10 + i: ord("0") + i for i in range(10)} | {0xFF0E: ord(".")})


def options_from_texts(texts):
    """``[{"key": "A", "text": ...}, ...]`` from the option texts A, B, C... (trailing blanks
    dropped; a blank in the middle stays, to be reported)."""
    texts = [(text or "").strip() for text in texts]
    while texts and not texts[-1]:
        texts.pop()
    return [{"key": OPTION_KEYS[i], "text": text} for i, text in enumerate(texts)]


# --- XLSX import and export ------------------------------------------------------------------

MAX_FILE_BYTES = xlsx.MAX_FILE_BYTES
MAX_ROWS = 2000
MAX_UNPACKED_BYTES = xlsx.MAX_UNPACKED_BYTES
MAX_CELL_CHARS = 2000

# (field, the template's header). The headers are fixed Chinese words so a file made in
# either language imports.
COLUMNS = [
    ("kind", "题型"),
    ("topic", "知识点"),
    ("difficulty", "难度"),
    ("text", "题目"),
    *[(f"option_{key.lower()}", f"选项{key}") for key in OPTION_KEYS],
    ("correct", "正确答案"),
    ("points", "分值"),
    ("feedback", "解析"),
    ("rubric", "评分标准"),
]
HEADERS = dict(COLUMNS)
REQUIRED_COLUMNS = {"kind", "topic", "difficulty", "text", "correct", "points"}
HEADER_SYNONYMS = {
    "kind": ["type", "questiontype", "题目类型", "类型"],
    "topic": ["tag", "知识点标签", "考点"],
    "difficulty": ["难易度", "难易程度"],
    "text": ["question", "题干", "试题"],
    "correct": ["answer", "答案", "标准答案", "参考答案"],
    "points": ["score", "分数", "分"],
    "feedback": ["explanation", "答案解析"],
    "rubric": ["评分细则", "评分要点"],
}
KIND_WORDS = {
    QuestionKind.SINGLE: ["单选题", "单选", "单项选择题"],
    QuestionKind.MULTIPLE: ["多选题", "多选", "多项选择题"],
    QuestionKind.TRUE_FALSE: ["判断题", "判断"],
    QuestionKind.FILL_IN: ["填空题", "填空"],
    QuestionKind.SHORT_ANSWER: ["简答题", "简答"],
    QuestionKind.PRACTICAL: ["实操题", "实操", "实践题", "实操任务"],
}
DIFFICULTY_WORDS = {
    Difficulty.EASY: ["易", "简单", "容易", "低"],
    Difficulty.MEDIUM: ["中", "中等", "一般", "适中"],
    Difficulty.HARD: ["难", "困难", "较难", "高"],
}

_SPACE = re.compile(r"\s+")


def _norm(value):
    return _SPACE.sub("", str(value or "")).lower().strip("*:：_-")


def _aliases(choices, words):
    aliases = {}
    for value in choices.values:
        label = choices(value).label
        names = [value, *words.get(value, [])]
        for language in ("en", "zh-hans"):
            with override(language):
                names.append(str(label))
        for name in names:
            aliases.setdefault(_norm(name), value)
    return aliases


def _header_aliases():
    aliases = {}
    for name, header in COLUMNS:
        for word in [name, header, *HEADER_SYNONYMS.get(name, [])]:
            aliases.setdefault(_norm(word), name)
    return aliases


def _cell_text(value):
    if value is None:
        return ""
    if isinstance(value, bool):
        return "对" if value else "错"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def read_question_rows(uploaded_file):
    """``[(row_number, {field: text}), ...]`` from the first sheet of an uploaded template.

    Raises ``ValidationError`` for the wrong type or size, an unreadable workbook, a header
    that is not the template's, no rows, or more than ``MAX_ROWS`` rows."""
    _name, data = xlsx.read_upload(
        uploaded_file,
        extensions=[".xlsx"],
        wrong_type=_("Upload an .xlsx file made from the template."),
    )
    raw = xlsx.xlsx_rows(
        data,
        _cell_text,
        max_columns=len(COLUMNS) + 5,
        limit=MAX_ROWS + xlsx.HEADER_SEARCH_ROWS,
        max_unpacked_bytes=MAX_UNPACKED_BYTES,
    )
    return xlsx.table_rows(
        raw,
        columns=COLUMNS,
        required=REQUIRED_COLUMNS,
        aliases=_header_aliases(),
        normalise=_norm,
        max_rows=MAX_ROWS,
        no_data=_("The file has column names but no questions."),
        too_many=_("The file has more than %(max)d questions; split it into smaller files."),
    )


# The import's report: every problem by row (as Excel numbers it) and column.
RowError = xlsx.RowError
ImportReport = xlsx.RowReport


# Which column a problem of ``question_problems`` belongs to.
_PROBLEM_COLUMNS = {
    "options": "选项A",
    "correct": "正确答案",
    "rubric": "评分标准",
    "points": "分值",
}


def _row_question(course, tier, number, values, report, kinds, difficulties):
    errors_before = len(report.errors)

    def error(name, message):
        report.add(number, HEADERS.get(name, name), message)

    for name, _header in COLUMNS:
        if len(values.get(name, "")) > MAX_CELL_CHARS:
            error(name, _("At most %(n)d characters.") % {"n": MAX_CELL_CHARS})
    kind = kinds.get(_norm(values.get("kind")))
    if kind is None:
        allowed = _(", ").join(KIND_WORDS[value][0] for value in QuestionKind.values)
        error("kind", _("Write one of: %(allowed)s.") % {"allowed": allowed})
    difficulty = difficulties.get(_norm(values.get("difficulty")))
    if difficulty is None:
        error("difficulty", _("Write 易, 中 or 难."))
    topic = values.get("topic", "")
    if not topic:
        error("topic", _("Required."))
    elif len(topic) > 50:
        error("topic", _("At most %(n)d characters.") % {"n": 50})
    if not values.get("text"):
        error("text", _("Required."))
    points = _decimal(_to_halfwidth(values.get("points", ""))) if values.get("points") else None
    if points is None:
        error("points", _("Give the points as a number, e.g. 2 or 2.5."))
    elif points <= 0:
        error("points", _("Points must be a positive number."))
        points = None
    elif points.as_tuple().exponent < -2 or points >= Decimal("10000"):
        error("points", _("At most two decimal places and less than 10000."))
        points = None
    if kind is None:
        return None
    options = options_from_texts(values.get(f"option_{key.lower()}", "") for key in OPTION_KEYS)
    correct = parse_correct(kind, values.get("correct", ""))
    rubric = parse_rubric(values.get("rubric", ""))
    problems = question_problems(
        kind=kind, options=options, correct=correct, rubric=rubric, points=points
    )
    problems.pop("points", None)  # already reported above
    for name, messages in problems.items():
        column = _PROBLEM_COLUMNS.get(name, name)
        for message in messages:
            report.add(number, column, message)
    if len(report.errors) > errors_before:
        return None
    return Question(
        course=course,
        tier=tier,
        kind=kind,
        topic=topic,
        difficulty=difficulty,
        text=values["text"],
        options=options,
        correct=correct,
        rubric=rubric,
        points=points,
        feedback=values.get("feedback", ""),
    )


def check_import_questions(course, uploaded_file, *, acting_user):
    if not can_edit_bank(acting_user, course):
        raise Http404(_("No such course."))
    return import_questions(course, uploaded_file, acting_user=acting_user)


def import_questions(course, uploaded_file, *, acting_user):
    """Check every row; save them all in one transaction only when every row is good.

    Returns an ``ImportReport``; raises ``ValidationError`` for a file that cannot be read."""
    rows = read_question_rows(uploaded_file)
    questions = []

    def check():
        report = ImportReport(rows=len(rows))
        tier = course_tier(course)
        kinds = _aliases(QuestionKind, KIND_WORDS)
        difficulties = _aliases(Difficulty, DIFFICULTY_WORDS)
        questions.extend(
            _row_question(course, tier, number, values, report, kinds, difficulties)
            for number, values in rows
        )
        return report

    def save(report):
        for question in questions:
            question.created_by = acting_user
        created = Question.objects.bulk_create(questions)
        record(
            "exam.questions_imported",
            course,
            actor=acting_user,
            changes={
                "count": len(created),
                "file": getattr(uploaded_file, "name", ""),
                "questions": [question.pk for question in created if question.pk],
            },
        )
        report.saved = len(created)

    report, _saved = xlsx.all_or_nothing(check, save)
    return report


def _kind_word(kind):
    return KIND_WORDS[kind][0]


def _difficulty_word(difficulty):
    return DIFFICULTY_WORDS[difficulty][0]


def question_row(question):
    """A question as a row of the template, in ``COLUMNS`` order."""
    texts = {option["key"]: option["text"] for option in question.options}
    return [
        _kind_word(question.kind),
        question.topic,
        _difficulty_word(question.difficulty),
        question.text,
        *[texts.get(key, "") for key in OPTION_KEYS],
        correct_text(question.kind, question.correct),
        _number(question.points),
        question.feedback,
        rubric_text(question.rubric),
    ]


def _instructions():
    lines = [
        ("题型", _("One of: %(kinds)s.") % {"kinds": "、".join(w[0] for w in KIND_WORDS.values())}),
        (
            "知识点",
            _(
                "The topic the question is tagged with (at most 50 characters); draw rules "
                "pick questions by topic and difficulty."
            ),
        ),
        ("难度", _("易, 中 or 难.")),
        ("题目", _("The question's text.")),
        (
            "选项A..选项F",
            _(
                "Choice questions only: at least two options, from A on, without "
                "gaps. Leave empty for other kinds."
            ),
        ),
        (
            "正确答案",
            _(
                "Single choice: one letter (A). Multiple choice: the letters (AC or A,C). "
                "True or false: 对 or 错. Fill in: the accepted answers, separated by |. "
                "Short answers and practical tasks: leave empty."
            ),
        ),
        ("分值", _("The points, a positive number (e.g. 2 or 2.5).")),
        ("解析", _("Optional feedback shown when review is allowed.")),
        (
            "评分标准",
            _(
                "Short answers and practical tasks: one criterion per line (or separated "
                "by ；) as “criterion：points”; the points must add up to 分值."
            ),
        ),
    ]
    return [(column, str(text)) for column, text in lines]


def _workbook(rows):
    names = [name for name, _header in COLUMNS]
    book = xlsx.TemplateWorkbook(
        "题库",
        [header for _name, header in COLUMNS],
        widths=[40 if name in ("text", "rubric", "feedback") else 14 for name in names],
        rows=rows,
        data_rows=MAX_ROWS,
    )
    book.drop_down(names.index("kind") + 1, [w[0] for w in KIND_WORDS.values()])
    book.drop_down(names.index("difficulty") + 1, [w[0] for w in DIFFICULTY_WORDS.values()])
    book.instructions(
        _instructions(),
        limits=_("At most %(rows)d questions and 2 MB. If any row is wrong, nothing is imported.")
        % {"rows": MAX_ROWS},
        examples=([header for _name, header in COLUMNS], _examples()),
    )
    return book.to_bytes()


def _examples():
    blank_options = [""] * len(OPTION_KEYS)
    return [
        [
            "单选题",
            "标题优化",
            "易",
            "商品标题优化的主要目的是什么？",
            "提高搜索排名",
            "增加运费",
            "",
            "",
            "",
            "",
            "A",
            "2",
            "标题决定搜索曝光。",
            "",
        ],
        [
            "判断题",
            "平台规则",
            "易",
            "拼多多店铺可以上架生鲜农产品。",
            *blank_options,
            "对",
            "1",
            "",
            "",
        ],
        [
            "填空题",
            "平台知识",
            "中",
            "淘宝的母公司是____集团。",
            *blank_options,
            "阿里巴巴|阿里",
            "2",
            "",
            "",
        ],
        [
            "实操题",
            "商品上架",
            "难",
            "在你的网店上架一款本地农产品，提交店铺链接或截图。",
            *blank_options,
            "",
            "10",
            "",
            "标题与主图：5\n价格与运费：5",
        ],
    ]


def template_xlsx():
    """The empty template: the header row, drop-downs for 题型 and 难度, and instructions."""
    return _workbook([])


def export_questions(course):
    """The course's questions in use, in the template's format (the file imports again)."""
    questions = Question.objects.filter(course=course, is_active=True).order_by(
        "topic", "difficulty", "pk"
    )
    return _workbook([question_row(question) for question in questions])
