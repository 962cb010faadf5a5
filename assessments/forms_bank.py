"""The admin's forms for questions, exams and the XLSX import.

The question editor shows options as six text boxes (A–F), the correct answer as text ("A",
"AC", 对/错, or accepted answers separated by |) and the rubric as lines "criterion：points",
the same words as the XLSX template; ``clean`` turns them into the model's JSON and applies
``bank.question_problems``. The exam editor chooses fixed questions from the user's bank and
writes draw rules as lines "topic | difficulty | count", checked by ``bank.exam_problems``.
"""

from django import forms
from django.utils.functional import lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from wagtail.admin.forms import WagtailAdminModelForm

from .actions import bank
from .models import Difficulty, Question
from .policy import bank_courses_of


def _limit_courses(form):
    form.fields["course"].queryset = bank_courses_of(form.for_user).order_by("title")


def _add_problems(form, problems, fields_by_problem):
    for name, messages in problems.items():
        target = fields_by_problem.get(name, name)
        for message in messages:
            form.add_error(target if target in form.fields else None, message)


def _option_field(key):
    label = lazy(lambda: _("Option %(key)s") % {"key": key}, str)()
    return forms.CharField(label=label, required=False, max_length=500)


class QuestionForm(WagtailAdminModelForm):
    option_a = _option_field("A")
    option_b = _option_field("B")
    option_c = _option_field("C")
    option_d = _option_field("D")
    option_e = _option_field("E")
    option_f = _option_field("F")
    correct_answer = forms.CharField(
        label=gettext_lazy("Correct answer"),
        required=False,
        max_length=2000,
        help_text=gettext_lazy(
            "Single choice: one letter (A). Multiple choice: the letters (AC). True or false: "
            "对 or 错. Fill in: the accepted answers separated by |. Leave empty for short "
            "answers and practical tasks."
        ),
    )
    rubric_text = forms.CharField(
        label=gettext_lazy("Rubric"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=gettext_lazy(
            "Short answers and practical tasks: one criterion per line as “criterion：points”; "
            "the points add up to the question's points."
        ),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _limit_courses(self)
        question = self.instance
        if question.pk:
            texts = {option["key"]: option["text"] for option in question.options}
            for key in bank.OPTION_KEYS:
                self.initial.setdefault(f"option_{key.lower()}", texts.get(key, ""))
            self.initial.setdefault(
                "correct_answer", bank.correct_text(question.kind, question.correct)
            )
            self.initial.setdefault("rubric_text", bank.rubric_text(question.rubric))

    def clean(self):
        cleaned = super().clean()
        kind = cleaned.get("kind")
        if not kind:
            return cleaned
        options = bank.options_from_texts(
            cleaned.get(f"option_{key.lower()}", "") for key in bank.OPTION_KEYS
        )
        correct = bank.parse_correct(kind, cleaned.get("correct_answer", ""))
        rubric = bank.parse_rubric(cleaned.get("rubric_text", ""))
        problems = bank.question_problems(
            kind=kind,
            options=options,
            correct=correct,
            rubric=rubric,
            points=cleaned.get("points"),
        )
        if "points" in self.errors:
            problems.pop("points", None)
        _add_problems(
            self,
            problems,
            {"options": "option_a", "correct": "correct_answer", "rubric": "rubric_text"},
        )
        self.instance.options, self.instance.correct, self.instance.rubric = (
            options,
            correct,
            rubric,
        )
        return cleaned


class QuestionChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, question):
        difficulty, kind = question.get_difficulty_display(), question.get_kind_display()
        points = bank._number(question.points)
        return f"{question.topic} · {difficulty} · {kind} · {points} — {question.text[:80]}"


class ExamForm(WagtailAdminModelForm):
    questions = QuestionChoiceField(
        label=gettext_lazy("Fixed questions"),
        queryset=Question.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=gettext_lazy(
            "For a fixed exam: the questions of the exam's course and tier. The paper keeps "
            "their order (new ones go last) unless questions are shuffled."
        ),
    )
    draw_rules = forms.CharField(
        label=gettext_lazy("Draw rules"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=gettext_lazy(
            "For a random exam: one rule per line as “topic | difficulty | number”, e.g. "
            "“标题优化 | 易 | 5”. Each trainee gets that many questions of the topic and "
            "difficulty."
        ),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _limit_courses(self)
        exam = self.instance
        chosen = []
        if exam.pk:
            chosen = [item.question for item in exam.fixed_questions.select_related("question")]
        self.fixed_before = chosen
        visible = bank.questions_visible_to(self.for_user)
        course_id = self.data.get("course") or exam.course_id
        if str(course_id or "").isdigit():
            visible = visible.filter(course_id=course_id)  # the exam's course only
        self.fields["questions"].queryset = (
            visible.filter(is_active=True) | visible.filter(pk__in=[q.pk for q in chosen])
        ).order_by("course", "topic", "difficulty", "pk")
        if exam.pk:
            self.initial.setdefault("questions", [q.pk for q in chosen])
            self.initial.setdefault(
                "draw_rules",
                "\n".join(
                    f"{rule.topic} | {bank._difficulty_word(rule.difficulty)} | {rule.count}"
                    for rule in exam.draw_rules.all()
                ),
            )

    def clean_draw_rules(self):
        difficulties = bank._aliases(Difficulty, bank.DIFFICULTY_WORDS)
        rules = []
        for number, line in enumerate(self.cleaned_data["draw_rules"].splitlines(), start=1):
            if not line.strip():
                continue
            parts = [part.strip() for part in line.replace("｜", "|").split("|")]
            difficulty = difficulties.get(bank._norm(parts[1])) if len(parts) == 3 else None
            count = parts[2] if len(parts) == 3 else ""
            if (
                difficulty is None
                or not parts[0]
                or len(parts[0]) > 50
                or not count.isdigit()
                or not 1 <= int(count) <= 200
            ):
                raise forms.ValidationError(
                    _(
                        "Line %(line)d: write “topic | difficulty | number” with difficulty "
                        "易, 中 or 难 and a number from 1 to 200."
                    )
                    % {"line": number}
                )
            rules.append((parts[0], difficulty, int(count)))
        return rules

    def ordered_questions(self):
        """The chosen questions: those already on the paper in their order, then new ones."""
        chosen = list(self.cleaned_data.get("questions") or [])
        chosen_ids = {q.pk for q in chosen}
        kept = [q for q in self.fixed_before if q.pk in chosen_ids]
        kept_ids = {q.pk for q in kept}
        return kept + [q for q in chosen if q.pk not in kept_ids]

    def clean(self):
        cleaned = super().clean()
        exam = self.instance
        if not cleaned.get("course") or not cleaned.get("mode") or "draw_rules" in self.errors:
            return cleaned
        exam.course, exam.mode = cleaned["course"], cleaned["mode"]
        exam.tier = bank.course_tier(exam.course) or exam.tier
        problems = bank.exam_problems(exam, self.ordered_questions(), cleaned["draw_rules"])
        _add_problems(self, problems, {})
        return cleaned


class ImportQuestionsForm(forms.Form):
    course = forms.ModelChoiceField(label=gettext_lazy("Course"), queryset=None)
    file = forms.FileField(
        label=gettext_lazy("XLSX file"),
        help_text=gettext_lazy(
            "Made from the template; at most 2,000 questions and 2 MB. If any row is wrong, "
            "nothing is imported."
        ),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["course"].queryset = bank_courses_of(user).order_by("title")


class ExportQuestionsForm(forms.Form):
    course = forms.ModelChoiceField(label=gettext_lazy("Course"), queryset=None)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["course"].queryset = bank_courses_of(user).order_by("title")
