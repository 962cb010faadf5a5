"""A lesson page beside a plain Django template view of the same HTML size.

Both are served by the same daphne process in the same run, so the ratio of their times is
the cost of Wagtail's routing, the page's queries and its blocks. The issue's goal is a
lesson page within 2x of the baseline. Needs a live lesson in an open course (``seed_demo``
creates the demo curricula); without one it prints a note and adds no rows.
"""

from urllib.parse import urlsplit

from bench.run import measure, timed_get


def fetch(port, path):
    import http.client

    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    connection.request("GET", path)
    response = connection.getresponse()
    body = response.read()
    connection.close()
    return response.status, body


def run(base_url):
    port = urlsplit(base_url).port
    status, body = fetch(port, "/bench/open-lesson/")
    if status != 200:
        print("bench_lesson: no live lesson in an open course; run seed_demo first. Skipped.")
        return []
    lesson_path = body.decode().strip()
    _, lesson_html = fetch(port, lesson_path)
    # Ask for the lesson's size, then correct once for the page frame's own weight.
    wanted = len(lesson_html)
    for _ in range(2):
        baseline_path = f"/bench/template/?bytes={wanted}"
        _, baseline_html = fetch(port, baseline_path)
        wanted += len(lesson_html) - len(baseline_html)
    timed_get(port, lesson_path)  # the first view makes the image renditions
    print(
        f"lesson page {lesson_path}: {len(lesson_html)} bytes of HTML; "
        f"template baseline: {len(baseline_html)} bytes"
    )
    baseline = measure(port, baseline_path)
    lesson = measure(port, lesson_path)
    print(
        f"lesson page p50 is {lesson['p50_ms'] / baseline['p50_ms']:.1f}x the template "
        "baseline (goal: within 2x)"
    )
    return [
        ("baseline: template view, same size", baseline),
        ("GET lesson page (open course)", lesson),
    ]
