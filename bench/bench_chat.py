"""Class chat under load: the project's chat beside a bare websockets server and a minimal
Channels consumer, measured in the same run (issue 5).

10 rooms x 50 members, one sender per room, at 5 and at 20 messages a second per room
(2,500 and 10,000 deliveries a second), against:

- ``bare``: ``bench/chat/bare_server.py``, a ``websockets`` broadcast server, one process;
- ``minimal``: ``bench/chat/minimal.py``, a Channels consumer doing one ``group_send`` per
  message, on daphne with the project's settings and channel layer;
- ``project``: the project's ``/ws/classes/<id>/chat/`` with Bearer tokens of 500 enrolled
  trainees created in a temporary SQLite database (or in DATABASE_URL's PostgreSQL);
- ``project-layer`` (on Redis only, not in the default list): the same with the hubs meeting in
  the channel layer's group instead of on Redis pub/sub (``CHAT_HUB_BUS=layer``, live/bus.py),
  to compare the two buses in one run.

Each runs on the embedded default (in-memory layer, one daphne) and, when ``REDIS_URL`` is
set, on Redis with two daphne processes, the members of each room split between them (the
bare server stays one process: it is the baseline). Clients run in ``BENCH_CHAT_CLIENTS``
processes (default 3) apart from the servers. Reports deliveries/s, send-to-delivery
latency p50/p95/p99, loss (expected - delivered after the drain window), and the CPU used
by the servers and by the load generator itself.

    .venv/bin/python bench/bench_chat.py            # on its own
    make bench                                      # bench/run.py calls run(base_url)

Environment: BENCH_CHAT_SECONDS (sending time per phase, default 5), BENCH_CHAT_DRAIN (longest
wait for stragglers after the last send; it ends sooner once everything arrived or nothing came
for 2 s; default 6), BENCH_CHAT_CLIENTS, BENCH_CHAT_TARGETS (comma list of
bare,minimal,project,project-layer; default bare,minimal,project), BENCH_CHAT_KEEP (keep the
temporary folder with the server logs),
BENCH_CHAT_CONFIGS (comma list of embedded,redis), REDIS_URL, DATABASE_URL, and
BENCH_CHAT_REDIS_DATABASE_URL (the database for the Redis runs only, e.g. PostgreSQL, as in
production; the embedded runs keep SQLite).
"""

import json
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.run import free_port, wait_until_up  # noqa: E402

ROOMS = 10
MEMBERS = 50
RATES = (5, 20)  # messages a second per room
# The bare server also gets 40/s per room (20,000 deliveries/s): the ceiling of the load
# generator and the machine together, to show the generator is not what limits the others.
BARE_RATES = (5, 20, 40)
SECONDS = float(os.environ.get("BENCH_CHAT_SECONDS", "5"))
DRAIN = float(os.environ.get("BENCH_CHAT_DRAIN", "6"))
CLIENTS = int(os.environ.get("BENCH_CHAT_CLIENTS", "3"))
TARGETS = os.environ.get("BENCH_CHAT_TARGETS", "bare,minimal,project").split(",")
CLK_TCK = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid):
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / CLK_TCK
    except (OSError, IndexError, ValueError):
        return 0.0


def version(name):
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "missing"


def cpu_model():
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def redis_version(url):
    try:
        import redis

        return redis.Redis.from_url(url, socket_timeout=2).info()["redis_version"]
    except Exception as exc:
        return f"unreachable ({type(exc).__name__})"


@contextmanager
def servers(commands, env, logdir, name):
    """Start one server per command (each gets ``{port}``); yield (ports, pids)."""
    procs, ports = [], []
    try:
        for n, command in enumerate(commands):
            port = free_port()
            log = open(Path(logdir) / f"{name}-{n}.log", "w")  # noqa: SIM115
            procs.append(
                subprocess.Popen(
                    [part.format(port=port) for part in command],
                    cwd=ROOT,
                    env=env,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                )
            )
            ports.append(port)
        for port, proc in zip(ports, procs, strict=True):
            wait_until_up(port, proc)
        yield ports, [p.pid for p in procs]
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def daphne_command():
    return [
        sys.executable,
        "-m",
        "daphne",
        "-b",
        "127.0.0.1",
        "-p",
        "{port}",
        "bench.chat.asgi:application",
    ]


def specs_for(target, ports, rooms):
    """Connection specs, room by room; member ``i`` goes to server ``i % len(ports)``."""
    specs = []
    for r in range(ROOMS):
        for m in range(MEMBERS):
            port = ports[m % len(ports)]
            spec = {"room": r, "index": m, "stagger": r / ROOMS}
            if target == "bare":
                spec["url"] = f"ws://127.0.0.1:{port}/ws/bare/{r}/"
            elif target == "minimal":
                spec["url"] = f"ws://127.0.0.1:{port}/ws/minimal/{r}/"
            else:
                room = rooms[r]
                spec["url"] = f"ws://127.0.0.1:{port}/ws/classes/{room['class_id']}/chat/"
                spec["headers"] = {"Authorization": f"Bearer {room['tokens'][m]}"}
            specs.append(spec)
    return specs


def probe_project(port, rooms):
    """Whether the project's chat endpoint answers a member with ``hello``; else why not."""
    from websockets.sync.client import connect

    room = rooms[0]
    url = f"ws://127.0.0.1:{port}/ws/classes/{room['class_id']}/chat/"
    try:
        with connect(
            url,
            origin="http://127.0.0.1",
            additional_headers={"Authorization": f"Bearer {room['tokens'][0]}"},
            open_timeout=20,
        ) as ws:
            first = json.loads(ws.recv(timeout=20))
            if first.get("type") != "hello":
                return f"first frame was {first.get('type')!r}, not hello"
    except Exception as exc:
        return f"{type(exc).__name__}: {exc}"
    return None


def measure(label, target, ports, pids, rooms, results, rates=RATES):
    from bench.chat.loadgen import LoadGenerator

    protocol = "project" if target.startswith("project") else "simple"
    started = time.monotonic()
    generator = LoadGenerator(specs_for(target, ports, rooms), protocol, processes=CLIENTS)
    try:
        print(
            f"  {label}: {generator.connected}/{ROOMS * MEMBERS} connected in "
            f"{generator.connect_seconds:.1f} s"
            + (f"; {dict(generator.connect_errors)}" if generator.connect_errors else "")
        )
        if generator.connected == 0:
            return
        time.sleep(1.5)  # let join-time frames (presence) settle
        generator.run(2, 1, 2)  # warm-up, not reported
        time.sleep(0.5)
        for rate in rates:
            before = sum(cpu_seconds(pid) for pid in pids)
            row = generator.run(rate, SECONDS, DRAIN)
            row["server_cpu"] = (sum(cpu_seconds(pid) for pid in pids) - before) / row["wall"]
            row["label"] = label
            row["target"] = target
            row["rate"] = rate
            results.append(row)
            print_row(row)
            time.sleep(1)
    finally:
        generator.close()
        print(f"  ({label} took {time.monotonic() - started:.0f} s)")


HEADER = (
    f"  {'target':34} {'offered/s':>9} {'deliv/s':>8} {'p50 ms':>8} {'p95 ms':>8} "
    f"{'p99 ms':>8} {'lost':>7} {'dup':>4} {'srv CPU':>7} {'gen CPU':>7} {'lag99':>6}"
)


def print_row(row):
    print(
        f"  {row['label']:34} {row['offered_per_s']:9.0f} {row['deliveries_per_s']:8.0f} "
        f"{row['p50_ms']:8.1f} {row['p95_ms']:8.1f} {row['p99_ms']:8.1f} {row['lost']:7d} "
        f"{row['duplicates']:4d} {row['server_cpu']:6.0%} {row['generator_cpu']:6.0%} "
        f"{row['send_lag_p99_ms']:6.1f}"
        + (f"  {row['errors']}" if row["errors"] else "")
        + (f"  acked {row['acks']}/{row['sends']}" if row["target"].startswith("project") else "")
        + ("" if row["settled"] else "  (still sending after the drain: next load starts behind)")
    )


def prepare_database(env, workdir):
    if not env.get("DATABASE_URL"):
        env["SQLITE_PATH"] = str(Path(workdir) / "chat-bench.sqlite3")
    started = time.monotonic()
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "-v0"], cwd=ROOT, env=env, check=True
    )
    out = Path(workdir) / "tokens.json"
    subprocess.run(
        [sys.executable, "-m", "bench.chat.setup_db", str(out)], cwd=ROOT, env=env, check=True
    )
    print(
        f"database: {env.get('DATABASE_URL') or 'temporary SQLite'}; {ROOMS} classes x "
        f"{MEMBERS} enrolled trainees with Bearer tokens ({time.monotonic() - started:.0f} s)"
    )
    return json.loads(out.read_text())["rooms"]


def clear_redis(url):
    """Delete the benchmark's keys (layer groups live a day otherwise)."""
    try:
        import redis

        client = redis.Redis.from_url(url, socket_timeout=5)
        keys = list(client.scan_iter("lms-bench*", count=1000))
        if keys:
            client.delete(*keys)
    except Exception as exc:
        print(f"could not clear the benchmark's Redis keys: {type(exc).__name__}: {exc}")


def configurations():
    wanted = os.environ.get("BENCH_CHAT_CONFIGS", "embedded,redis").split(",")
    if "embedded" in wanted:
        yield "embedded", None
    if os.environ.get("REDIS_URL") and "redis" in wanted:
        yield "redis", os.environ["REDIS_URL"]


def run_all():
    try:
        import websockets  # noqa: F401
    except ImportError:
        print(
            "bench_chat: the websockets package is not installed (pip install websockets). Skipped."
        )
        return []
    redis_url = os.environ.get("REDIS_URL")
    print(
        f"chat machine: {os.cpu_count()} cores ({cpu_model()}), Python "
        f"{platform.python_version()}, {platform.platform()}; daphne {version('daphne')}, "
        f"channels {version('channels')}, channels_redis {version('channels_redis')}, "
        f"websockets {version('websockets')}, Twisted {version('Twisted')}"
        + (f", Redis {redis_version(redis_url)}" if redis_url else "")
        + "; load average {:.1f} {:.1f} {:.1f}".format(*os.getloadavg())
    )
    print(
        f"chat load: {ROOMS} rooms x {MEMBERS} members, one sender per room, "
        f"{SECONDS:g} s per load, then up to {DRAIN:g} s for stragglers (ends once all "
        f"arrived or none came for 2 s), {CLIENTS} client processes"
    )
    workdir = tempfile.mkdtemp(prefix="chat-bench-")
    results = []
    base_env = {**os.environ, "DJANGO_SETTINGS_MODULE": "bench.chat.settings"}
    base_env.pop("REDIS_URL", None)
    try:
        rooms = prepare_database(base_env, workdir) if "project" in TARGETS else []
        for config, layer_url in configurations():
            env = dict(base_env)
            daphnes = 1
            if layer_url:
                env["REDIS_URL"] = layer_url
                daphnes = 2
                redis_database = os.environ.get("BENCH_CHAT_REDIS_DATABASE_URL")
                if redis_database and "project" in TARGETS:
                    # Production pairs Redis with PostgreSQL: several processes share it.
                    env["DATABASE_URL"] = redis_database
                    rooms = prepare_database(env, workdir)
            if layer_url:
                print(
                    f"{config}: Redis, two daphne processes (the project's hubs on Redis "
                    "pub/sub, the minimal consumer on the Redis channel layer)"
                )
            else:
                print(f"{config}: in-memory channel layer, one daphne process")
            print(HEADER)
            if "bare" in TARGETS and config == "embedded":
                command = [sys.executable, "-m", "bench.chat.bare_server", "--port", "{port}"]
                with servers([command], env, workdir, "bare") as (ports, pids):
                    label = "bare websockets (1 process)"
                    measure(label, "bare", ports, pids, rooms, results, BARE_RATES)
            for target in ("minimal", "project", "project-layer"):
                if target not in TARGETS or (target == "project-layer" and not layer_url):
                    continue
                target_env = {**env, "CHAT_HUB_BUS": "layer"} if target == "project-layer" else env
                commands = [daphne_command()] * daphnes
                with servers(commands, target_env, workdir, f"{config}-{target}") as (ports, pids):
                    label = f"{target} Channels ({config})"
                    if target.startswith("project"):
                        label = {
                            "project": f"project chat ({config})",
                            "project-layer": f"project, layer bus ({config})",
                        }[target]
                        problem = probe_project(ports[0], rooms)
                        if problem:
                            print(f"  {label}: skipped, the endpoint does not answer: {problem}")
                            continue
                    measure(label, target, ports, pids, rooms, results)
        summarise(results)
        print("chat bench end; load average {:.1f} {:.1f} {:.1f}".format(*os.getloadavg()))
    finally:
        if redis_url:
            clear_redis(redis_url)
        if os.environ.get("BENCH_CHAT_KEEP"):
            print(f"chat bench files kept in {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    return results


def find(results, target, rate, config=None):
    for row in results:
        if (
            row["target"] == target
            and row["rate"] == rate
            and (config is None or f"({config})" in row["label"])
        ):
            return row
    return None


def summarise(results):
    for row in results:
        if row["target"] == "bare":
            cost = row["generator_cpu"] * row["wall"] / max(row["delivered"], 1) * 1e6
            print(
                f"load generator at {row['offered_per_s']:,.0f}/s offered to the bare server: "
                f"{cost:.0f} us CPU per delivery, {row['generator_cpu']:.0%} of one core in all, "
                f"busiest process {row['generator_cpu_max_process']:.0%}, "
                f"send lag p99 {row['send_lag_p99_ms']:.1f} ms"
            )
    bare_low, bare_high = find(results, "bare", RATES[0]), find(results, "bare", RATES[1])
    for config, _ in configurations():
        low = find(results, "project", RATES[0], config)
        high = find(results, "project", RATES[1], config)
        minimal_high = find(results, "minimal", RATES[1], config)
        if not (low and high):
            print(f"goals ({config}): project chat not measured")
            continue
        lossless = low["lost"] == 0 and high["lost"] == 0 and not low["duplicates"]
        print(f"goals ({config}): zero loss at both loads: {'met' if lossless else 'NOT met'}")
        if bare_low:
            ratio = low["p99_ms"] / bare_low["p99_ms"]
            print(
                f"  p99 at 2,500/s {low['p99_ms']:.0f} ms = {ratio:.1f}x the bare server's "
                f"{bare_low['p99_ms']:.0f} ms (goal: within 2x): "
                f"{'met' if ratio <= 2 else 'NOT met'}"
            )
            layer_low = find(results, "project-layer", RATES[0], config)
            if layer_low:
                print(
                    f"  (with the layer bus: p99 at 2,500/s {layer_low['p99_ms']:.0f} ms = "
                    f"{layer_low['p99_ms'] / bare_low['p99_ms']:.1f}x)"
                )
        if minimal_high:
            keeps = high["lost"] == 0 and high["p99_ms"] < 1000
            print(
                f"  at 10,000/s the project {'keeps up' if keeps else 'does NOT keep up'} "
                f"({high['deliveries_per_s']:.0f}/s, p99 {high['p99_ms']:.0f} ms, "
                f"lost {high['lost']}); "
                f"minimal consumer {minimal_high['deliveries_per_s']:.0f}/s, p99 "
                f"{minimal_high['p99_ms']:.0f} ms, lost {minimal_high['lost']}"
            )
        if bare_high:
            share = high["deliveries_per_s"] / bare_high["deliveries_per_s"]
            print(
                f"  delivered at 10,000/s offered: {share:.0%} of the bare server's "
                f"(goal: 25% or more): {'met' if share >= 0.25 else 'NOT met'}"
            )


def run(base_url):
    """Called by ``bench/run.py``: rows in its table (deliveries/s as req/s, loss as errors)."""
    rows = []
    for row in run_all():
        name = re.sub(r"\s+", " ", f"chat {row['label']} {row['offered_per_s']:.0f}/s")
        rows.append(
            (
                name[:40],
                {
                    "p50_ms": row["p50_ms"],
                    "p95_ms": row["p95_ms"],
                    "rps": row["deliveries_per_s"],
                    "errors": row["lost"],
                },
            )
        )
    return rows


if __name__ == "__main__":
    run_all()
