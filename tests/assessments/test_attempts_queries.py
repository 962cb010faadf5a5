"""An exam's hot paths stay constant-cost: the statements of a start, an autosave and a
submission do not grow with the number of questions (docs/performance.md, "Exams")."""

import pytest

from assessments.actions import attempts as actions
from tests.assessments.test_attempts import build_world, clock  # noqa: F401 (fixture)

pytestmark = pytest.mark.django_db

FOUR = ("single", "multiple", "true_false", "fill_in")


@pytest.fixture(params=[1, 5], ids=["4-questions", "20-questions"])
def world(request, clock):  # noqa: F811
    from tests.factories import ensure_site

    ensure_site()
    return build_world(kinds=FOUR * request.param)


def test_starting_reads_and_writes_the_paper_in_a_fixed_number_of_statements(
    world, django_assert_num_queries
):
    # Assignment, enrolment, the trainee's attempts, extra time, the fixed questions; then the
    # attempt, its questions, their answers and the audit row (savepoint and release around).
    with django_assert_num_queries(11):
        attempt, created = actions.check_start_attempt(world.trainee, world.assignment.pk)
        paper = actions.paper_items(attempt)  # the response's paper, from memory
    assert created and len(paper) == len(world.questions)


def test_an_autosave_is_one_read_and_one_write(world, django_assert_num_queries):
    attempt, _ = actions.check_start_attempt(world.trainee, world.assignment.pk)
    item = attempt.paper.get(position=1)
    # The item with its question, answer and locked attempt; the versioned UPDATE.
    with django_assert_num_queries(4):  # + savepoint and release
        answer = actions.check_save_answer(world.trainee, attempt.pk, item.pk, "A", 0)
    assert answer.version == 1


def test_a_stale_autosave_reads_the_stored_answer_once_more(world, django_assert_num_queries):
    attempt, _ = actions.check_start_attempt(world.trainee, world.assignment.pk)
    item = attempt.paper.get(position=1)
    actions.check_save_answer(world.trainee, attempt.pk, item.pk, "A", 0)
    with django_assert_num_queries(4), pytest.raises(actions.AnswerConflict) as conflict:
        actions.check_save_answer(world.trainee, attempt.pk, item.pk, "B", 0)
    assert (conflict.value.version, conflict.value.response) == (1, "A")


def test_submitting_grades_in_a_fixed_number_of_statements(world, django_assert_num_queries):
    attempt, _ = actions.check_start_attempt(world.trainee, world.assignment.pk)
    # The attempt (locked), its answers, the grades (one UPDATE), the attempt (one UPDATE),
    # two audit rows, with the savepoint and its release around them.
    with django_assert_num_queries(8):
        submitted = actions.check_submit_attempt(world.trainee, attempt.pk)
    assert submitted.status == "graded"
