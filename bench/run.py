"""``make bench``: start daphne on a free port and measure pages beside a baseline.

Every figure is measured in the same run as the baseline (a plain Django view
served by the same daphne process), so the numbers compare like with like.
Later issues add their scenarios to ``SCENARIOS`` or as ``bench/bench_*.py``
modules with a ``run(base_url)`` function returning rows.
"""

import http.client
import importlib
import os
import platform
import socket
import statistics
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
REQUESTS = int(os.environ.get("BENCH_REQUESTS", "400"))
CONCURRENCY = int(os.environ.get("BENCH_CONCURRENCY", "8"))

SCENARIOS = [
    ("baseline: plain Django view", "/bench/plain/"),
    ("GET /healthz", "/healthz"),
    ("GET /accounts/login/", "/accounts/login/"),
    ("GET /api/v1/openapi.json", "/api/v1/openapi.json"),
]


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until_up(port, proc=None, timeout=60):
    """Wait for a server to accept connections on ``port``; fail at once if ``proc`` (its
    process, when given) exits first."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"server on port {port} exited with {proc.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"server on port {port} did not start")


def timed_get(port, path):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    started = time.perf_counter()
    connection.request("GET", path)
    response = connection.getresponse()
    response.read()
    elapsed = time.perf_counter() - started
    connection.close()
    return elapsed, response.status


def measure(port, path):
    for _ in range(20):  # warm up
        timed_get(port, path)
    with ThreadPoolExecutor(CONCURRENCY) as pool:
        started = time.perf_counter()
        results = list(pool.map(lambda _: timed_get(port, path), range(REQUESTS)))
        wall = time.perf_counter() - started
    times = sorted(t for t, _ in results)
    errors = sum(1 for _, status in results if status >= 400)
    return {
        "p50_ms": statistics.median(times) * 1000,
        "p95_ms": times[int(len(times) * 0.95) - 1] * 1000,
        "rps": len(times) / wall,
        "errors": errors,
    }


def main():
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "bench.settings"}
    env.setdefault("SQLITE_PATH", str(ROOT / "var" / "bench.sqlite3"))
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "-v0"], cwd=ROOT, env=env, check=True
    )
    # Demo data (accounts, curricula with lessons) for the page scenarios; safe to run again.
    subprocess.run([sys.executable, "manage.py", "seed_demo"], cwd=ROOT, env=env, check=True)
    port = free_port()
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "daphne",
            "-b",
            "127.0.0.1",
            "-p",
            str(port),
            "lms.asgi:application",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_until_up(port)
        print(
            f"machine: {platform.node()} {platform.machine()} {os.cpu_count()} cores, "
            f"Python {platform.python_version()}, {platform.platform()}"
        )
        print(
            f"database: {env.get('DATABASE_URL') or 'SQLite (embedded default)'}; "
            f"{REQUESTS} requests, {CONCURRENCY} concurrent, one daphne process"
        )
        print(f"{'scenario':40} {'p50 ms':>8} {'p95 ms':>8} {'req/s':>8} {'errors':>7}")
        rows = [(name, measure(port, path)) for name, path in SCENARIOS]
        for module_path in sorted((ROOT / "bench").glob("bench_*.py")):
            module = importlib.import_module(f"bench.{module_path.stem}")
            rows.extend(module.run(f"http://127.0.0.1:{port}"))
        for name, row in rows:
            print(
                f"{name:40} {row['p50_ms']:8.1f} {row['p95_ms']:8.1f} "
                f"{row['rps']:8.0f} {row['errors']:7d}"
            )
    finally:
        server.terminate()
        server.wait(timeout=10)


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    main()
