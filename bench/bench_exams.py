"""Fifty trainees of one class start and submit the same exam at once (issue 6).

Reports the p50/p95 of starting, of answer autosave and of submission beside a plain Django
view measured in the same run by the same daphne, with the same 50 concurrent clients, and
checks that no acknowledged answer was lost (every saved answer is in the submitted attempt).

Runs against ``BENCH_EXAM_DATABASE_URL`` (else ``DATABASE_URL``; the issue asks for
PostgreSQL), or a temporary SQLite database when neither is set (and says so), on
``BENCH_EXAM_PROCESSES`` daphne processes (default 1; the trainees and the baseline's two
clients are split between them, as a load balancer would).

    .venv/bin/python bench/bench_exams.py          # on its own
    make bench                                     # bench/run.py calls run(base_url)
"""

import http.client
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.bench_chat import servers  # noqa: E402

TRAINEES = int(os.environ.get("BENCH_EXAM_TRAINEES", "50"))
# Seconds a trainee spends on a question before its answer is saved (random, around this
# mean); 0 fires every save at once, a stress test rather than a class.
THINK = float(os.environ.get("BENCH_EXAM_THINK", "1.0"))
# daphne processes sharing the load, trainees split between them as a load balancer would
# (production runs several; one process uses one core for Python, whatever the machine has).
PROCESSES = int(os.environ.get("BENCH_EXAM_PROCESSES", "1"))

# The exams API (docs/api.md, "Exams").
START = "/api/v1/exams/assignments/{assignment}/attempts"
ANSWER = "/api/v1/exams/attempts/{attempt}/answers/{item}"
SUBMIT = "/api/v1/exams/attempts/{attempt}/submit"
PAPER = "/api/v1/exams/attempts/{attempt}"


def request(port, method, path, token=None, body=None):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    started = time.perf_counter()
    connection.request(
        method, path, body=json.dumps(body) if body is not None else None, headers=headers
    )
    response = connection.getresponse()
    data = response.read()
    elapsed = time.perf_counter() - started
    connection.close()
    try:
        payload = json.loads(data or b"null")
    except ValueError:
        payload = None
    return elapsed, response.status, payload


def some_response(question):
    kind = question["kind"]
    if kind == "single":
        return question["options"][0]["key"]
    if kind == "multiple":
        return [option["key"] for option in question["options"][:2]]
    if kind == "true_false":
        return True
    return "阿里巴巴"


def trainee(port, assignment, token, barrier, timings, saved, errors):
    barrier.wait()
    elapsed, status, attempt = request(port, "POST", START.format(assignment=assignment), token)
    timings["start"].append(elapsed)
    if status >= 400 or not attempt:
        errors.append(("start", status, attempt))
        return
    mine = {}
    rng = random.Random(token)
    for question in attempt["items"]:
        if THINK:
            time.sleep(rng.uniform(0.5, 1.5) * THINK)
        body = {"response": some_response(question), "version": question["version"]}
        path = ANSWER.format(attempt=attempt["id"], item=question["id"])
        elapsed, status, answer = request(port, "PUT", path, token, body)
        timings["autosave"].append(elapsed)
        if status >= 400:
            errors.append(("autosave", status, answer))
        else:
            mine[question["id"]] = body["response"]
    elapsed, status, result = request(port, "POST", SUBMIT.format(attempt=attempt["id"]), token)
    timings["submit"].append(elapsed)
    if status >= 400:
        errors.append(("submit", status, result))
    saved.append((token, attempt["id"], mine))


def baseline(port, barrier, timings):
    """The plain view, at the trainees' pace, while they sit the exam."""
    barrier.wait()
    for _ in range(22):
        elapsed, _status, _ = request(port, "GET", "/bench/plain/")
        timings["baseline"].append(elapsed)
        time.sleep(THINK)


def same(response):
    """A multiple-choice answer is a set of keys: compare it without its order."""
    return sorted(response) if isinstance(response, list) else response


def lost_answers(port, saved):
    """Answers acknowledged during the run but not in the submitted attempt."""
    lost = 0
    for token, attempt_id, mine in saved:
        _elapsed, _status, paper = request(port, "GET", PAPER.format(attempt=attempt_id), token)
        stored = {item["id"]: item["response"] for item in (paper or {}).get("items", [])}
        lost += sum(
            1 for item, response in mine.items() if same(stored.get(item)) != same(response)
        )
    return lost


def percentile(values, share):
    ordered = sorted(values)
    return ordered[max(0, int(len(ordered) * share) - 1)] * 1000 if ordered else float("nan")


def run_all():
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "bench.settings"}
    database = os.environ.get("BENCH_EXAM_DATABASE_URL") or os.environ.get("DATABASE_URL")
    workdir = tempfile.mkdtemp(prefix="exam-bench-")
    if database:
        env["DATABASE_URL"] = database
    else:
        env.pop("DATABASE_URL", None)
        env["SQLITE_PATH"] = str(Path(workdir) / "exam-bench.sqlite3")
    env.pop("REDIS_URL", None)
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "-v0"], cwd=ROOT, env=env, check=True
    )
    out = Path(workdir) / "exam.json"
    subprocess.run(
        [sys.executable, "-m", "bench.exams.setup_db", str(out)], cwd=ROOT, env=env, check=True
    )
    setup = json.loads(out.read_text())
    command = [
        sys.executable,
        "-m",
        "daphne",
        "-b",
        "127.0.0.1",
        "-p",
        "{port}",
        "lms.asgi:application",
    ]
    rows = []
    with servers([command] * PROCESSES, env, workdir, "exams") as (ports, _pids):
        for port in ports:
            for _ in range(20):  # warm up
                request(port, "GET", "/bench/plain/")
        timings = {"baseline": [], "start": [], "autosave": [], "submit": []}
        saved, errors = [], []
        barrier = threading.Barrier(TRAINEES + 2)
        threads = [
            threading.Thread(
                target=trainee,
                args=(
                    ports[n % len(ports)],
                    setup["assignment_id"],
                    token,
                    barrier,
                    timings,
                    saved,
                    errors,
                ),
            )
            for n, token in enumerate(setup["tokens"][:TRAINEES])
        ]
        threads += [
            threading.Thread(target=baseline, args=(ports[n % len(ports)], barrier, timings))
            for n in range(2)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        lost = lost_answers(ports[0], saved)
    print(
        f"exams: {TRAINEES} trainees start at once, answer 20 questions (about {THINK:g} s "
        f"each) and submit; database "
        f"{'PostgreSQL' if database and database.startswith('postgres') else 'SQLite'}; "
        f"{PROCESSES} daphne process{'es' if PROCESSES > 1 else ''}; "
        f"{len(errors)} errors, {lost} acknowledged answers lost"
    )
    for name in ("baseline", "start", "autosave", "submit"):
        values = timings[name]
        row = {
            "p50_ms": statistics.median(values) * 1000 if values else float("nan"),
            "p95_ms": percentile(values, 0.95),
            "rps": 0,
            "errors": sum(1 for e in errors if e[0] == name) + (lost if name == "autosave" else 0),
        }
        label = "exam baseline: plain view" if name == "baseline" else f"exam {name}"
        print(
            f"  {label:32} n={len(values):4d} p50 {row['p50_ms']:7.1f} ms  "
            f"p95 {row['p95_ms']:7.1f} ms"
        )
        rows.append((label, row))
    for error in errors[:5]:
        print(f"  error: {error}")
    return rows


def run(base_url):
    """Called by ``bench/run.py``: starts its own daphne on its own database."""
    return run_all()


if __name__ == "__main__":
    run_all()
