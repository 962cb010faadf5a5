"""Runs only against PostgreSQL (DATABASE_URL=postgres://...)."""

import pytest
from django.db import IntegrityError, connection, transaction

from tests.factories import TraineeProfileFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]


def test_the_suite_is_talking_to_postgresql_through_psycopg3():
    assert connection.vendor == "postgresql"
    assert connection.Database.__name__ == "psycopg"
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version_num")
        assert int(cursor.fetchone()[0]) >= 130000


def test_the_database_itself_refuses_a_duplicate_id_number():
    first = TraineeProfileFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        TraineeProfileFactory(id_number=first.id_number, village=first.village)


def test_healthz_is_ok_on_postgresql(client):
    assert client.get("/healthz").json()["database"] == "ok"
