"""Taking an exam: starting an attempt, saving answers, submitting, objective grading.

The server decides everything:

- ``check_start_attempt`` lets an enrolled trainee start while the assignment is open, within
  the exam's attempts allowed. A trainee has at most one open attempt: starting again returns
  it, and two starts at the same moment still make one (the ``one_open_attempt`` constraint; the
  loser of the race gets the winner's attempt). The paper is drawn and shuffled once, from the
  attempt's own seed, and an empty ``Answer`` (version 0) is made for every question.
- The deadline is fixed at the start: the earlier of start + time limit + the trainee's extra
  time, and the assignment's closing time.
- ``check_save_answer`` saves one answer of the trainee's own attempt before the deadline. The
  client sends the version it last saw; a different stored version is a conflict
  (``AnswerConflict``, carrying the stored version and response), so an out-of-date tab cannot
  overwrite a newer answer.
- ``check_submit_attempt`` submits once; a second submission answers with the same attempt and
  changes nothing. Objective questions are graded at once (``grade_objective``) and
  ``do_finalise_attempt`` computes the score; an attempt with short answers or practical tasks
  waits for a lecturer (status ``submitted``).
- An attempt past its deadline is submitted automatically (``auto_submitted``) when it is next
  touched, and every minute by ``manage.py close_overdue_attempts``.
- ``review_allowed`` says when the trainee may see the correct answers and feedback.
"""

import datetime
import io
import random
import secrets
import unicodedata
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.validators import URLValidator
from django.db import IntegrityError, transaction
from django.db.models import F
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from PIL import Image, UnidentifiedImageError

from lms.audit.actions import record

from .. import policy
from ..models import (
    AUTO_GRADED_KINDS,
    Answer,
    Attempt,
    AttemptQuestion,
    Exam,
    ExtraTime,
    Question,
    QuestionKind,
)
from ..signals import attempt_graded

MAX_FILE_BYTES = 10 * 1024 * 1024
MAX_IMAGE_PIXELS = 40_000_000
MAX_TEXT_LENGTH = {QuestionKind.FILL_IN: 200, QuestionKind.SHORT_ANSWER: 5000}
MAX_LINK_LENGTH = 500
IMAGE_FORMATS = {"jpg": "JPEG", "jpeg": "JPEG", "png": "PNG", "webp": "WEBP"}
FILE_EXTENSIONS = set(IMAGE_FORMATS) | {"pdf"}
HUNDRED = Decimal("100")
CENT = Decimal("0.01")
NOT_SUBMITTED_MESSAGE = gettext_lazy("This attempt has not been submitted yet.")
FILE_TOO_LARGE_MESSAGE = gettext_lazy("The file is too large (at most 10 MB).")
KEEP = object()  # ``check_save_answer(response=KEEP)``: a file only, the stored response stays


class AnswerConflict(Exception):
    """The answer was saved elsewhere since the client read it (another tab or phone)."""

    def __init__(self, answer):
        self.version = answer.version
        self.response = answer.response
        super().__init__(
            _(
                "This answer was changed in another window. Your screen now shows the saved "
                "answer; check it and answer again if needed."
            )
        )


# --- Starting ---------------------------------------------------------------------------------


def check_start_attempt(user, assignment_id):
    """Start an attempt, or return the trainee's open one. ``(attempt, created)``."""
    assignment = policy.access_assignment_as_trainee(user, assignment_id)
    attempts = list(Attempt.objects.filter(assignment=assignment, user=user))
    for attempt in attempts:
        if attempt.status == Attempt.Status.IN_PROGRESS:
            attempt.assignment, attempt.user = assignment, user
            attempt = close_if_overdue(attempt)
            if attempt.status == Attempt.Status.IN_PROGRESS:
                return attempt, False
    now = timezone.now()
    if now < assignment.opens_at:
        raise ValidationError(_("This exam has not opened yet."), code="not_open")
    if now >= assignment.closes_at:
        raise ValidationError(_("This exam has closed."), code="closed")
    used = len(attempts)
    if used >= assignment.exam.attempts_allowed:
        raise ValidationError(
            _("You have used all your attempts at this exam."), code="no_attempts"
        )
    return do_start_attempt(assignment, user, number=used + 1)


def do_start_attempt(assignment, user, *, number):
    """Make the attempt, its paper and its empty answers; a lost race returns the winner's."""
    exam = assignment.exam
    now = timezone.now()
    seed = secrets.randbits(62)
    rng = random.Random(seed)
    extra = ExtraTime.objects.filter(assignment=assignment, user=user).first()
    minutes = exam.time_limit_minutes + (extra.minutes if extra else 0)
    deadline = min(now + datetime.timedelta(minutes=minutes), assignment.closes_at)
    questions = draw_questions(exam, rng)  # refuses a bank too small for the rules
    if not questions:
        raise ValidationError(
            _("This exam has no questions yet. Please tell your lecturer."), code="empty"
        )
    if exam.shuffle_questions:
        rng.shuffle(questions)
    try:
        with transaction.atomic():
            attempt = Attempt.objects.create(
                assignment=assignment,
                user=user,
                number=number,
                seed=seed,
                started_at=now,
                deadline=deadline,
                max_score=sum((q.points for q in questions), Decimal("0")),
            )
            items = AttemptQuestion.objects.bulk_create(
                AttemptQuestion(
                    attempt=attempt,
                    question=question,
                    position=position,
                    option_order=_option_order(question, exam, rng),
                    points=question.points,
                )
                for position, question in enumerate(questions, start=1)
            )
            answers = Answer.objects.bulk_create(Answer(item=item) for item in items)
            for item, answer in zip(items, answers, strict=True):
                item.answer = answer
            attempt.drawn_paper = items  # the response reads these, not the database
            record(
                "exam.attempt_started",
                attempt,
                actor=user,
                changes={"number": [None, number], "deadline": [None, deadline.isoformat()]},
            )
    except IntegrityError:
        # Another request of the same trainee started (or numbered) an attempt first.
        attempt = _open_attempt(assignment, user)
        if attempt is None:
            raise ValidationError(
                _("You have used all your attempts at this exam."), code="no_attempts"
            ) from None
        return attempt, False
    return attempt, True


def draw_questions(exam, rng):
    """The exam's questions: the fixed list in order, or a draw per rule from active questions
    of the exam's course and tier."""
    if exam.mode == Exam.Mode.FIXED:
        return [
            row.question
            for row in exam.fixed_questions.filter(question__is_active=True)
            .select_related("question")
            .order_by("position")
        ]
    drawn = []
    for rule in exam.draw_rules.order_by("pk"):
        pool = list(
            Question.objects.filter(
                course_id=exam.course_id,
                tier=exam.tier,
                topic=rule.topic,
                difficulty=rule.difficulty,
                is_active=True,
            ).order_by("pk")
        )
        if len(pool) < rule.count:
            raise ValidationError(
                _("The question bank is too small for this exam. Please tell your lecturer."),
                code="bank_too_small",
            )
        drawn.extend(rng.sample(pool, rule.count))
    return drawn


def _option_order(question, exam, rng):
    keys = [option["key"] for option in question.options or []]
    if exam.shuffle_options and question.kind in (QuestionKind.SINGLE, QuestionKind.MULTIPLE):
        rng.shuffle(keys)
    return keys


def _open_attempt(assignment, user):
    return (
        Attempt.objects.select_related("assignment__exam", "assignment__training_class")
        .filter(assignment=assignment, user=user, status=Attempt.Status.IN_PROGRESS)
        .first()
    )


# --- Answering --------------------------------------------------------------------------------


def check_save_answer(user, attempt_id, item_id, response, version, file=None):
    """Save one answer of the user's own open attempt; returns the saved ``Answer``.

    Raises ``Http404`` (not the user's attempt, or a question outside it), ``ValidationError``
    (late, submitted, or an invalid response or file) or ``AnswerConflict``.

    Two statements: the item with its question, answer and attempt, the attempt row locked
    (so a save and the submission never interleave); then the answer's UPDATE, made only if the
    stored version is still the one the client saw (another tab may have saved meanwhile; a
    conflict reads the stored answer once more).
    """
    late = None
    with transaction.atomic():
        item = _item_for_save(user, attempt_id, item_id)
        attempt = item.attempt
        if attempt.status != Attempt.Status.IN_PROGRESS:
            raise ValidationError(
                _("This attempt has been submitted; answers can no longer change."),
                code="submitted",
            )
        if timezone.now() >= attempt.deadline:
            late = attempt
        else:
            answer = item.answer
            if not isinstance(version, int) or isinstance(version, bool):
                raise ValidationError(_("The answer's version is missing."), code="invalid")
            if version != answer.version:
                raise AnswerConflict(answer)
            if response is KEEP:
                cleaned = answer.response
            else:
                cleaned = clean_response(item.question, response)
            stored_file = clean_file(item.question, file) if file is not None else None
            return _write_answer(answer, cleaned, stored_file)
    # Past the deadline: nothing is saved, and the attempt is handed in as it stands.
    close_if_overdue(late)
    raise ValidationError(
        _("Time is up: answers after the deadline are not accepted."), code="late"
    )


def _item_for_save(user, attempt_id, item_id):
    """The user's item ``item_id`` of attempt ``attempt_id`` with its question and answer, the
    attempt locked. Not the user's attempt (or none): ``access_own_attempt``'s 404; a question
    outside it: "No such question."."""
    try:
        return (
            AttemptQuestion.objects.select_related("attempt", "question", "answer")
            .select_for_update(of=("attempt",))
            .only(
                "attempt_id",
                "question_id",
                "attempt__status",
                "attempt__deadline",
                "attempt__user_id",
                "question__kind",
                "question__options",
                *(f"answer__{field.name}" for field in Answer._meta.concrete_fields),
            )
            .get(
                pk=int(item_id),
                attempt_id=int(attempt_id),
                attempt__user_id=user.pk if policy.is_signed_in(user) else None,
            )
        )
    except (AttemptQuestion.DoesNotExist, ValueError, TypeError, OverflowError):
        # "Not your attempt" (or none) reads as elsewhere; else the question is not in it.
        policy.access_own_attempt(user, attempt_id)
        raise Http404(_("No such question.")) from None


def _write_answer(answer, response, stored_file):
    """Store the answer if its version is still ``answer.version``, else ``AnswerConflict``."""
    now = timezone.now()
    changes = {"response": response, "version": F("version") + 1, "saved_at": now}
    old_file = answer.file.name if stored_file is not None else ""
    if stored_file is not None:
        name, content = stored_file
        answer.file.save(name, content, save=False)
        changes["file"] = answer.file.name
    if not Answer.objects.filter(pk=answer.pk, version=answer.version).update(**changes):
        if stored_file is not None:
            answer.file.storage.delete(answer.file.name)
        raise AnswerConflict(Answer.objects.get(pk=answer.pk))
    if old_file:
        storage = answer.file.storage
        transaction.on_commit(lambda: storage.delete(old_file))
    answer.response = response
    answer.version += 1
    answer.saved_at = now
    return answer


def clean_response(question, response):
    """The response in its stored form, or ``ValidationError``. ``None`` clears an answer.

    single: a key; multiple: a list of keys; true/false: a boolean; fill-in and short answer:
    text; practical task: ``{"link": "https://..."}`` (the file comes separately).
    """
    if response is None or response == "" or response == []:
        return None
    kind = question.kind
    keys = {option["key"] for option in question.options or []}
    invalid = ValidationError(_("This answer is not valid for the question."), code="invalid")
    if kind == QuestionKind.SINGLE:
        if not isinstance(response, str) or response not in keys:
            raise invalid
        return response
    if kind == QuestionKind.MULTIPLE:
        if not isinstance(response, list) or not all(isinstance(k, str) for k in response):
            raise invalid
        if not set(response) <= keys or len(set(response)) != len(response):
            raise invalid
        return sorted(response)
    if kind == QuestionKind.TRUE_FALSE:
        if not isinstance(response, bool):
            raise invalid
        return response
    if kind in (QuestionKind.FILL_IN, QuestionKind.SHORT_ANSWER):
        if not isinstance(response, str):
            raise invalid
        text = response.strip()
        if len(text) > MAX_TEXT_LENGTH[kind]:
            raise ValidationError(
                _("The answer is too long (at most %(limit)d characters).")
                % {"limit": MAX_TEXT_LENGTH[kind]},
                code="too_long",
            )
        return text or None
    if kind == QuestionKind.PRACTICAL:
        if not isinstance(response, dict) or set(response) - {"link"}:
            raise invalid
        link = response.get("link") or ""
        if not isinstance(link, str):
            raise invalid
        link = link.strip()
        if not link:
            return None
        if len(link) > MAX_LINK_LENGTH:
            raise ValidationError(_("The link is too long."), code="too_long")
        try:
            URLValidator(schemes=["http", "https"])(link)
        except ValidationError:
            raise ValidationError(
                _("Enter a web address starting with http:// or https://."), code="bad_link"
            ) from None
        return {"link": link}
    raise invalid


def clean_file(question, upload):
    """``(stored name, content)`` for a practical task's picture or PDF, or ValidationError."""
    if question.kind != QuestionKind.PRACTICAL:
        raise ValidationError(_("Only practical tasks take a file."), code="invalid")
    if upload.size > MAX_FILE_BYTES:
        raise ValidationError(FILE_TOO_LARGE_MESSAGE, code="too_large")
    extension = (upload.name or "").rsplit(".", 1)[-1].lower() if "." in upload.name else ""
    if extension not in FILE_EXTENSIONS:
        raise ValidationError(
            _("Upload a picture (JPEG, PNG, WebP) or a PDF file."), code="bad_file"
        )
    data = upload.read()
    if len(data) > MAX_FILE_BYTES:
        raise ValidationError(FILE_TOO_LARGE_MESSAGE, code="too_large")
    bad = ValidationError(
        _("The file could not be read as a picture or PDF. Please try another file."),
        code="bad_file",
    )
    if extension == "pdf":
        if not data.startswith(b"%PDF-"):
            raise bad
    else:
        try:
            with Image.open(io.BytesIO(data)) as image:
                if image.format != IMAGE_FORMATS[extension] and not (
                    extension in ("jpg", "jpeg") and image.format == "JPEG"
                ):
                    raise bad
                if image.width * image.height > MAX_IMAGE_PIXELS:
                    raise bad
                image.verify()
        except (
            UnidentifiedImageError,
            OSError,
            SyntaxError,
            ValueError,
            Image.DecompressionBombError,
        ):
            raise bad from None
    return f"{secrets.token_hex(16)}.{extension}", ContentFile(data)


# --- Submitting and grading -------------------------------------------------------------------


def check_submit_attempt(user, attempt_id):
    """Submit the user's own attempt; an attempt submitted already is returned unchanged."""
    with transaction.atomic():
        attempt = policy.access_own_attempt(user, attempt_id, for_update=True)
        attempt.user = user  # its owner (for the audit row's description)
        if attempt.status != Attempt.Status.IN_PROGRESS:
            return attempt
        overdue = timezone.now() >= attempt.deadline
        do_submit_attempt(attempt, auto_submitted=overdue, acting_user=user)
    return attempt


def close_if_overdue(attempt):
    """Submit ``attempt`` automatically if it is open past its deadline; returns it fresh."""
    if attempt.status != Attempt.Status.IN_PROGRESS or timezone.now() < attempt.deadline:
        return attempt
    with transaction.atomic():
        locked = (
            Attempt.objects.select_for_update(of=("self",))
            .select_related("assignment__exam", "assignment__training_class", "user")
            .get(pk=attempt.pk)
        )
        if locked.status == Attempt.Status.IN_PROGRESS and timezone.now() >= locked.deadline:
            do_submit_attempt(locked, auto_submitted=True, acting_user=None)
    return locked


def do_close_overdue_attempts():
    """Submit every open attempt past its deadline (``close_overdue_attempts``); the count."""
    overdue = Attempt.objects.filter(
        status=Attempt.Status.IN_PROGRESS, deadline__lte=timezone.now()
    ).order_by("pk")
    closed = 0
    for attempt in overdue:
        if close_if_overdue(attempt).auto_submitted:
            closed += 1
    return closed


def do_submit_attempt(attempt, *, auto_submitted, acting_user):
    """Hand in a locked, open attempt: grade its objective answers, then finalise it."""
    now = timezone.now()
    answers = list(Answer.objects.filter(item__attempt=attempt).select_related("item__question"))
    graded = []
    for answer in answers:
        if answer.item.question.kind in AUTO_GRADED_KINDS:
            answer.score = grade_objective(answer.item, answer.response)
            answer.graded_at = now
            graded.append(answer)
    Answer.objects.bulk_update(graded, ["score", "graded_at"])
    attempt.status = Attempt.Status.SUBMITTED
    attempt.submitted_at = attempt.deadline if auto_submitted else now
    attempt.auto_submitted = auto_submitted
    record(
        "exam.attempt_submitted",
        attempt,
        actor=acting_user,
        changes={"status": ["in_progress", "submitted"], "auto_submitted": [None, auto_submitted]},
    )
    # One UPDATE for the hand-in and the score.
    do_finalise_attempt(attempt, answers=answers, also_save=("submitted_at", "auto_submitted"))
    return attempt


def do_finalise_attempt(attempt, *, answers=None, also_save=()):
    """Recompute the attempt's score from its answers; graded once every answer has a score.

    Objective answers without a score count 0. Sends ``attempt_graded`` whenever the attempt
    ends up graded (receivers must be idempotent: a lecturer's regrade sends it again).
    """
    if answers is None:
        answers = list(
            Answer.objects.filter(item__attempt=attempt).select_related("item__question")
        )
    score = Decimal("0")
    complete = True
    for answer in answers:
        if answer.score is not None:
            score += answer.score
        elif answer.item.question.kind not in AUTO_GRADED_KINDS:
            complete = False
    before = (attempt.status, attempt.score, attempt.passed)
    attempt.score = score
    if complete:
        attempt.status = Attempt.Status.GRADED
        attempt.percent = (
            (score / attempt.max_score * HUNDRED).quantize(CENT) if attempt.max_score else HUNDRED
        )
        attempt.passed = attempt.percent >= attempt.assignment.exam.pass_mark
    else:
        attempt.status = Attempt.Status.SUBMITTED
        attempt.percent = None
        attempt.passed = None
    attempt.save(update_fields=["status", "score", "percent", "passed", *also_save])
    after = (attempt.status, attempt.score, attempt.passed)
    if after != before:
        record(
            "exam.attempt_graded" if complete else "exam.attempt_scored",
            attempt,
            actor=None,
            changes={
                "status": [before[0], after[0]],
                "score": [before[1], after[1]],
                "passed": [before[2], after[2]],
            },
        )
    if complete:
        attempt_graded.send(sender=Attempt, attempt=attempt)
    return attempt


def normalise_text(text):
    """Full-width to half-width (NFKC), trimmed, case-insensitive, single spaces."""
    return " ".join(unicodedata.normalize("NFKC", str(text)).split()).casefold()


def grade_objective(item, response):
    """Points for an objective answer: all of the item's points or none (no partial credit)."""
    question = item.question
    correct = question.correct or []
    kind = question.kind
    right = False
    if response is None:
        right = False
    elif kind == QuestionKind.SINGLE:
        right = isinstance(response, str) and [response] == list(correct)
    elif kind == QuestionKind.MULTIPLE:
        right = isinstance(response, list) and set(response) == set(correct) and bool(correct)
    elif kind == QuestionKind.TRUE_FALSE:
        right = isinstance(response, bool) and bool(correct) and response is bool(correct[0])
    elif kind == QuestionKind.FILL_IN:
        given = normalise_text(response) if isinstance(response, str) else ""
        right = bool(given) and any(given == normalise_text(accepted) for accepted in correct)
    return item.points if right else Decimal("0")


# --- What the trainee may see -----------------------------------------------------------------


def review_allowed(attempt, now=None):
    """May the trainee see the correct answers and feedback of this attempt now?"""
    if attempt.status == Attempt.Status.IN_PROGRESS:
        return False
    review = attempt.assignment.exam.review
    if review == Exam.Review.AFTER_SUBMIT:
        return True
    if review == Exam.Review.AFTER_CLOSE:
        return (now or timezone.now()) >= attempt.assignment.closes_at
    return False


def remaining_seconds(attempt, now=None):
    if attempt.status != Attempt.Status.IN_PROGRESS:
        return 0
    left = (attempt.deadline - (now or timezone.now())).total_seconds()
    return max(0, int(left))


def paper_items(attempt):
    """The attempt's questions as the trainee sees them while answering: text, options in the
    attempt's order and their own response. Never the correct answers or feedback."""
    items = getattr(attempt, "drawn_paper", None)  # just started: already in memory
    if items is None:
        items = AttemptQuestion.objects.filter(attempt=attempt).select_related("question", "answer")
    paper = []
    for item in sorted(items, key=lambda item: item.position):
        question = item.question
        texts = {option["key"]: option["text"] for option in question.options or []}
        answer = item.answer
        paper.append(
            {
                "id": item.pk,
                "position": item.position,
                "kind": question.kind,
                "kind_label": question.get_kind_display(),
                "text": question.text,
                "points": item.points,
                "options": [{"key": key, "text": texts.get(key, "")} for key in item.option_order],
                "response": answer.response,
                "version": answer.version,
                "file_name": answer.file.name.rsplit("/", 1)[-1] if answer.file else "",
                "saved_at": answer.saved_at,
            }
        )
    return paper


def review_items(attempt):
    """The paper with the correct answers, feedback, scores and comments (review allowed)."""
    items = AttemptQuestion.objects.filter(attempt=attempt).select_related("question", "answer")
    by_id = {item.pk: item for item in items}
    reviewed = []
    for row in paper_items(attempt):
        item = by_id[row["id"]]
        question = item.question
        row.update(
            correct=question.correct if question.auto_graded else [],
            feedback=question.feedback,
            score=item.answer.score,
            comment=item.answer.comment,
        )
        reviewed.append(row)
    return reviewed
