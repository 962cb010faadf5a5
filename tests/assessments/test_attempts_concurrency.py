"""Double start and double submit at the same moment, on PostgreSQL (two threads)."""

import threading

import pytest
import time_machine
from django.db import connection

from assessments.actions import attempts as actions
from assessments.models import Answer, Attempt
from lms.audit.models import AuditEvent
from tests.assessments.test_attempts import NOW, build_world

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def run_together(function, count=2):
    """Call ``function()`` in ``count`` threads released at once; their results or errors."""
    barrier = threading.Barrier(count)
    outcomes = []

    def worker():
        try:
            barrier.wait(5)
            outcomes.append(function())
        except Exception as error:
            outcomes.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(15)
    return outcomes


@pytest.fixture
def world():
    from tests.factories import ensure_site

    # time-machine moves the clock of every thread.
    with time_machine.travel(NOW, tick=True):
        ensure_site()
        world = build_world()
        world.exam.attempts_allowed = 3
        world.exam.save()
        yield world


def test_a_double_start_makes_one_attempt(world):
    outcomes = run_together(
        lambda: actions.check_start_attempt(world.trainee, world.assignment.pk), count=4
    )
    assert not [o for o in outcomes if isinstance(o, Exception)], outcomes
    assert len({attempt.pk for attempt, _created in outcomes}) == 1
    assert sum(created for _attempt, created in outcomes) == 1
    attempt = Attempt.objects.get()
    assert Answer.objects.filter(item__attempt=attempt).count() == 4


def test_a_double_submit_submits_once(world):
    attempt, _ = actions.check_start_attempt(world.trainee, world.assignment.pk)
    outcomes = run_together(lambda: actions.check_submit_attempt(world.trainee, attempt.pk))
    assert not [o for o in outcomes if isinstance(o, Exception)], outcomes
    assert {(o.pk, o.status, o.submitted_at) for o in outcomes} == {
        (attempt.pk, "graded", Attempt.objects.get().submitted_at)
    }
    assert AuditEvent.objects.filter(action="exam.attempt_submitted").count() == 1


def test_an_answer_racing_the_submission_is_saved_before_it_or_refused(world):
    attempt, _ = actions.check_start_attempt(world.trainee, world.assignment.pk)
    item = attempt.paper.get(question__kind="single")
    calls = iter(
        [
            lambda: actions.check_save_answer(world.trainee, attempt.pk, item.pk, "A", 0),
            lambda: actions.check_submit_attempt(world.trainee, attempt.pk),
        ]
    )
    lock = threading.Lock()

    def next_call():
        with lock:
            call = next(calls)
        return call()

    outcomes = run_together(next_call)
    attempt.refresh_from_db()
    item.answer.refresh_from_db()
    saved_first = item.answer.version == 1
    # Either the answer went in before the submission (and was graded), or it was refused:
    # never saved after the grade.
    assert attempt.score == (2 if saved_first else 0)
    assert len(outcomes) == 2


def test_two_tabs_saving_the_same_version_at_once_save_one_and_conflict_one(world):
    attempt, _ = actions.check_start_attempt(world.trainee, world.assignment.pk)
    item = attempt.paper.get(question__kind="single")
    responses = iter(["A", "B", "A", "B"])
    lock = threading.Lock()

    def save():
        with lock:
            response = next(responses)
        return actions.check_save_answer(world.trainee, attempt.pk, item.pk, response, 0)

    outcomes = run_together(save, count=4)
    saved = [o for o in outcomes if isinstance(o, Answer)]
    conflicts = [o for o in outcomes if isinstance(o, actions.AnswerConflict)]
    assert len(saved) == 1 and len(conflicts) == 3, outcomes
    item.answer.refresh_from_db()
    assert (item.answer.version, item.answer.response) == (1, saved[0].response)
    assert {conflict.version for conflict in conflicts} == {1}
