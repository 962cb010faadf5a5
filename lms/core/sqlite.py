"""SQLite's write-ahead log checkpointed beside the requests, not inside one of them.

In WAL mode SQLite copies the log back into the database file (a checkpoint) whenever a commit
finds the log longer than 1,000 pages, and that commit waits for the copy and its fsync. On the
embedded default every ~90th chat message paid it: 5-11 ms instead of 1-2 ms from receiving a
message to broadcasting it, which was most of the chat's slowest 1% (docs/performance.md).

So every process that opens a file database runs one small daemon thread that checkpoints
(``PRAGMA wal_checkpoint(PASSIVE)``: copy what it can, wait for nobody) every
``SQLITE_CHECKPOINT_SECONDS``, on a connection of its own, so the log never grows to the size at
which a commit would do it. SQLite's own automatic checkpoint stays on as the safety net (a
burst faster than the thread, a process where it does not run). Writers and a checkpoint run
side by side in WAL mode; several processes' threads may try at once, and the one that finds the
checkpoint busy simply tries again next time.
"""

import logging
import sqlite3
import threading
import time
from pathlib import Path

from django.conf import settings

logger = logging.getLogger(__name__)

_started = set()  # database files with a checkpointer in this process
_lock = threading.Lock()


def on_connection_created(sender, connection, **kwargs):
    """``connection_created`` receiver: start the checkpointer of a file database once."""
    if connection.vendor != "sqlite":
        return
    interval = getattr(settings, "SQLITE_CHECKPOINT_SECONDS", 0)
    path = connection.settings_dict.get("NAME")
    if not interval or not path or connection.is_in_memory_db():
        return
    path = str(path)
    with _lock:
        if path in _started:
            return
        _started.add(path)
    threading.Thread(
        target=_checkpoint_forever, args=(path, interval), name="sqlite-checkpoint", daemon=True
    ).start()


def checkpoint(db):
    """One passive checkpoint on ``db`` (a sqlite3 connection): ``(busy, log pages, copied)``."""
    return db.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()


def _checkpoint_forever(path, interval):
    db = None
    uri = Path(path).resolve().as_uri() + "?mode=rw"  # never creates the file
    while True:
        time.sleep(interval)
        if not Path(path).exists():  # the file went away (a test database): so does the thread
            if db is not None:
                db.close()
            with _lock:
                _started.discard(path)  # a later connection starts a new thread
            return
        try:
            if db is None:
                db = sqlite3.connect(uri, uri=True, timeout=0, check_same_thread=False)
            checkpoint(db)
        except sqlite3.Error as error:  # locked for a moment (a log being recovered): next time
            logger.debug("SQLite checkpoint of %s skipped: %s", path, error)
            if db is not None:
                db.close()
                db = None
