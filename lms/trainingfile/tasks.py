"""The background task that builds a training file (django-tasks).

``actions.do_request_build`` enqueues it after the request's transaction commits, on the
"background" backend (``settings.TASKS``): a database queue that ``manage.py db_worker
--backend background`` works through, while the admin page follows its progress. With
``LMS_BACKGROUND_TASKS=immediate`` (and in tests) it runs at once in the same process.
"""

from django_tasks import task


@task(backend="background")
def build_training_file(training_file_id: int) -> None:
    from .builder import run_build

    run_build(training_file_id)
