"""The write-ahead log is checkpointed by a thread beside the requests (lms/core/sqlite.py)."""

import sqlite3
import threading
import time
from types import SimpleNamespace

import pytest

from lms.core import sqlite as checkpointing

PAGE = 4096


def wal_database(path):
    """A WAL database whose writer never checkpoints by itself (as if every commit were too
    short to reach SQLite's own threshold)."""
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA wal_autocheckpoint=0")
    db.execute("CREATE TABLE message (body TEXT)")
    return db


def write(db, pages):
    for _ in range(pages):
        db.execute("INSERT INTO message VALUES (?)", ("消" * 1500,))  # about a page each


def wal_pages(path):
    wal = path.with_name(path.name + "-wal")
    return wal.stat().st_size // PAGE if wal.exists() else 0


def django_connection(path, vendor="sqlite", in_memory=False):
    return SimpleNamespace(
        vendor=vendor, settings_dict={"NAME": path}, is_in_memory_db=lambda: in_memory
    )


def checkpointers():
    return [t for t in threading.enumerate() if t.name == "sqlite-checkpoint"]


@pytest.fixture(autouse=True)
def _threads_end_with_the_test(tmp_path):
    """Delete the test's database files afterwards: their checkpointers end with them, and do
    not tick for the rest of the suite."""
    before = len(checkpointers())
    yield
    for file in tmp_path.glob("*.sqlite3*"):
        file.unlink()
    for _ in range(200):
        if len(checkpointers()) <= before:
            break
        time.sleep(0.02)


def test_a_checkpoint_copies_the_log_into_the_database(tmp_path):
    path = tmp_path / "a.sqlite3"
    db = wal_database(path)
    write(db, 50)
    busy, log, copied = checkpointing.checkpoint(sqlite3.connect(path))
    assert busy == 0 and log >= 50 and copied == log


def test_the_thread_keeps_the_log_short_while_writes_go_on(tmp_path, settings):
    settings.SQLITE_CHECKPOINT_SECONDS = 0.02
    path = tmp_path / "b.sqlite3"
    db = wal_database(path)
    checkpointing.on_connection_created(None, django_connection(path))
    for _ in range(40):  # 2,000 pages written in all
        write(db, 50)
        time.sleep(0.03)
    # The log restarts after each checkpoint: without the thread it would hold 2,000 pages.
    assert wal_pages(path) < 500


def test_one_thread_per_database_file(tmp_path, settings):
    settings.SQLITE_CHECKPOINT_SECONDS = 0.05
    path = tmp_path / "c.sqlite3"
    wal_database(path)
    before = len(checkpointers())
    for _ in range(3):
        checkpointing.on_connection_created(None, django_connection(path))
    assert len(checkpointers()) == before + 1


@pytest.mark.parametrize(
    "connection",
    [
        django_connection("x.sqlite3", vendor="postgresql"),
        django_connection(":memory:", in_memory=True),
    ],
)
def test_no_thread_where_there_is_no_log_file(connection, settings):
    settings.SQLITE_CHECKPOINT_SECONDS = 0.05
    before = len(checkpointers())
    checkpointing.on_connection_created(None, connection)
    assert len(checkpointers()) == before


def test_no_thread_when_turned_off(tmp_path, settings):
    settings.SQLITE_CHECKPOINT_SECONDS = 0
    before = len(checkpointers())
    checkpointing.on_connection_created(None, django_connection(tmp_path / "d.sqlite3"))
    assert len(checkpointers()) == before


def test_the_thread_ends_with_its_file_and_never_makes_a_new_one(tmp_path, settings):
    settings.SQLITE_CHECKPOINT_SECONDS = 0.02
    path = tmp_path / "e.sqlite3"
    wal_database(path).close()
    before = len(checkpointers())
    checkpointing.on_connection_created(None, django_connection(path))
    assert len(checkpointers()) == before + 1
    time.sleep(0.1)  # it has its connection open by now
    for suffix in ("", "-wal", "-shm"):
        path.with_name(path.name + suffix).unlink(missing_ok=True)
    for _ in range(100):
        if len(checkpointers()) == before:
            break
        time.sleep(0.02)
    assert len(checkpointers()) == before
    assert not path.exists()
