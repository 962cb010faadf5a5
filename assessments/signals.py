"""Signals of the exams.

``attempt_graded`` is sent (``sender=Attempt, attempt=attempt``) by
``assessments.actions.attempts.do_finalise_attempt`` every time an attempt ends up graded: at
submission when every question was graded automatically, and after a lecturer's grade that
completes (or changes) it. It is sent inside the grading transaction, so a receiver's rows are
saved or rolled back with the grade; receivers must be idempotent (a regrade sends it again)
and should check ``attempt.passed`` themselves.
"""

from django.dispatch import Signal

attempt_graded = Signal()
