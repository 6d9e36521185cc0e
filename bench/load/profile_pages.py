#!/usr/bin/env python
"""Web CPU per request, in one process: the load test's request mix sent straight to the
WSGI application (as gunicorn calls it), without HTTP, Locust or other processes, under
the load test's settings (bench/load/floor_settings.py: production, plain HTTP).

    .venv/bin/python bench/load/profile_pages.py [--learners 40] [--profile 25]

1. A fresh PostgreSQL database (--database, default cme_cpu_profile) with the demo module
   and the learners of bench/load/prepare.py; Redis database --redis-db (default 12) as the
   cache (not emptied: it may be the load test's too); Celery's in-memory broker (no worker
   runs; a claim's certificate task is only published).
2. A warm-up (3 journeys, 20 floor submits): imports, templates and connections.
3. --learners journeys as bench/load/locustfile.py's Learner takes them (every other
   learner fails the first attempt and passes the second; no double click), then as many
   submit-only requests (SubmitOnly), floor submits (FloorSubmit) and as many to the floor
   without its audit entry (bench/load/floor.py), each step's CPU time
   (time.process_time: this process only, so PostgreSQL and Redis are not counted; the
   wall time includes waiting for them) summed per step.
4. Printed: CPU and wall milliseconds per request of each step; the journey's, the submit's
   and the floor's CPU per request and the journey/floor ratio (the load test's target is
   1.5 at most); with --profile N, cProfile over N more journeys and N floor submits, the
   top functions by own time and by cumulative time.

Every loop is bounded by the counts given; each request has to answer as a browser's would
(status, redirect), else the script stops and says which step failed.
"""

import argparse
import cProfile
import io
import os
import pstats
import re
import secrets
import sys
import tempfile
import time
from collections import defaultdict
from html.parser import HTMLParser
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode, urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from bench._setup import bench_env, fresh_database


class FormInputs(HTMLParser):
    """Radio and checkbox values by field name (page order), and named inputs' values."""

    def __init__(self):
        super().__init__()
        self.options: dict[str, list[str]] = {}
        self.values: dict[str, str] = {}

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        name = attrs.get("name")
        if tag != "input" or not name:
            return
        if attrs.get("type") in {"radio", "checkbox"}:
            self.options.setdefault(name, []).append(attrs.get("value", ""))
        elif attrs.get("value") is not None:
            self.values[name] = attrs["value"]


def form_inputs(html: str) -> FormInputs:
    parser = FormInputs()
    parser.feed(html)
    return parser


class StepFailed(Exception):
    """A request did not answer as a browser would expect."""


class Browser:
    """A cookie jar in front of the WSGI application; timing every request by step name.

    `timings` maps a step name to [requests, CPU seconds, wall seconds]."""

    def __init__(self, app, timings: dict):
        self.app, self.timings, self.cookies = app, timings, {}
        self.address = "10.0.0.1"  # the client's, as the proxy forwards it (X-Forwarded-For)

    def request(self, method: str, url: str, *, name: str, fields=None, cookie=None):
        """Send one request; return (status, headers dict, body text)."""
        body = urlencode(fields or []).encode()
        split = urlsplit(url)
        environ = {
            "REQUEST_METHOD": method,
            "PATH_INFO": split.path,
            "QUERY_STRING": split.query,
            "SERVER_NAME": "127.0.0.1",
            "SERVER_PORT": "80",
            "SERVER_PROTOCOL": "HTTP/1.1",
            "HTTP_HOST": "127.0.0.1",
            "REMOTE_ADDR": "127.0.0.1",
            "HTTP_USER_AGENT": "profile_pages",
            "HTTP_X_FORWARDED_FOR": self.address,
            "wsgi.url_scheme": "http",
            "wsgi.input": io.BytesIO(body),
            "wsgi.errors": sys.stderr,
            "wsgi.multithread": False,
            "wsgi.multiprocess": True,
            "wsgi.run_once": False,
            "wsgi.version": (1, 0),
        }
        if method == "POST":
            environ["CONTENT_TYPE"] = "application/x-www-form-urlencoded"
            environ["CONTENT_LENGTH"] = str(len(body))
        cookie_header = cookie or "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if cookie_header:
            environ["HTTP_COOKIE"] = cookie_header
        answer = {}

        def start_response(status, headers, exc_info=None):
            answer["status"], answer["headers"] = int(status.split()[0]), headers

        cpu, wall = time.process_time(), time.perf_counter()
        result = self.app(environ, start_response)
        try:
            text = b"".join(result).decode(errors="replace")
        finally:
            if hasattr(result, "close"):
                result.close()
        step = self.timings[name]
        step[0] += 1
        step[1] += time.process_time() - cpu
        step[2] += time.perf_counter() - wall
        headers = {}
        for key, value in answer["headers"]:
            if key.lower() == "set-cookie" and cookie is None:
                jar = SimpleCookie()
                jar.load(value)
                for morsel in jar.values():
                    if morsel["max-age"] == "0" or morsel.value == "":
                        self.cookies.pop(morsel.key, None)
                    else:
                        self.cookies[morsel.key] = morsel.value
            headers[key.lower()] = value
        return answer["status"], headers, text

    def get(self, url: str, *, name: str) -> str:
        status, _, text = self.request("GET", url, name=name)
        if status != 200:
            raise StepFailed(f"{name}: {status}")
        return text

    def post(self, url: str, fields, *, name: str, expect: str, cookie=None) -> str:
        """POST a form that must redirect to a path starting with `expect`; return it."""
        status, headers, text = self.request("POST", url, name=name, fields=fields, cookie=cookie)
        location = urlsplit(headers.get("location", "")).path
        if status != 302 or not location.startswith(expect):
            alert = re.search(r'class="alert[^"]*"[^>]*>(.*?)</div>', text, re.S)
            raise StepFailed(f"{name}: {status} → {location or (alert and alert.group(1))}")
        return location

    def csrf(self) -> list[tuple[str, str]]:
        return [("csrfmiddlewaretoken", self.cookies.get("csrftoken", ""))]


def learner_address(email: str) -> str:
    """A client address of the learner's own (10.x.y.z from the number in the address):
    allauth allows 30 log-ins a minute per address, which one address for everyone would
    exceed, as it would not behind the proxy of a real site."""
    n = int(re.sub(r"\D", "", email.split("@")[0]) or 0)
    return f"10.{n >> 16 & 255}.{n >> 8 & 255}.{n & 255 or 1}"


def journey(browser: Browser, pools: dict, email: str, *, fails_first: bool) -> None:
    """One learner's journey, as bench/load/locustfile.py's Learner takes it."""
    module_url = f"/modules/{pools['module']}/"
    correct = set(pools["correct_choices"])
    browser.cookies.clear()
    browser.address = learner_address(email)
    browser.get("/accounts/login/", name="log-in page")
    browser.post(
        "/accounts/login/",
        [*browser.csrf(), ("login", email), ("password", pools["password"])],
        name="log in",
        expect="/",
    )
    browser.get("/", name="catalog")
    browser.get(module_url, name="module")
    for passing in [False, True] if fails_first else [True]:
        attempt_url = browser.post(
            f"{module_url}post-test/start/", browser.csrf(), name="start attempt",
            expect="/attempts/",
        )  # fmt: skip
        page = browser.get(attempt_url, name="attempt page")
        fields, wrong_left = browser.csrf(), 0 if passing else 4
        for field, values in form_inputs(page).options.items():
            right = [v for v in values if int(v) in correct]
            wrong = [v for v in values if int(v) not in correct]
            if wrong_left and wrong:
                chosen, wrong_left = wrong[:1], wrong_left - 1
            else:
                chosen = right
            fields.extend((field, value) for value in chosen)
        result_url = browser.post(attempt_url, fields, name="submit", expect=attempt_url)
        browser.get(result_url, name="result")
        if not passing:
            browser.get(module_url, name="module")
    evaluation_url = f"{module_url}evaluation/"
    page = browser.get(evaluation_url, name="evaluation page")
    fields = browser.csrf()
    for field in form_inputs(page).options:
        if field.startswith("objective-") or field in {"relevance", "overall_quality"}:
            fields.append((field, "5"))
    fields.append(("free_of_commercial_bias", "yes"))
    claim_url = browser.post(evaluation_url, fields, name="evaluate", expect=f"{module_url}claim/")
    inputs = form_inputs(browser.get(claim_url, name="claim page"))
    hours = inputs.values.get("hours", "0.25")
    certificate_url = browser.post(
        claim_url,
        [
            *browser.csrf(),
            ("hours", hours),
            ("reviewed_hours", inputs.values.get("reviewed_hours", hours)),
            ("attested", "on"),
            ("action", "claim"),
        ],
        name="claim credit",
        expect="/certificates/",
    )
    browser.get(certificate_url, name="certificate page")
    browser.post("/accounts/logout/", browser.csrf(), name="log out", expect="/")


def submit_only(browser: Browser, entry: dict) -> None:
    """One submit of a prepared attempt, as SubmitOnly sends it."""
    url = f"/attempts/{entry['attempt']}/"
    fields = [("csrfmiddlewaretoken", entry["csrf"])]
    fields += [(name, str(c)) for name, choices in entry["answers"].items() for c in choices]
    cookie = f"sessionid={entry['session']}; csrftoken={entry['csrf']}"
    browser.post(url, fields, name="submit only", expect=f"{url}result/", cookie=cookie)


def floor_submit(
    browser: Browser, entry: dict, choices: list[int], number: int, *, audited: bool = True
) -> None:
    """One floor submit, as FloorSubmit sends it (or to the floor without the audit entry)."""
    fields = [("csrfmiddlewaretoken", entry["csrf"])]
    fields += [("choice", str(c)) for c in choices] + [("number", str(number))]
    cookie = f"sessionid={entry['session']}; csrftoken={entry['csrf']}"
    url, name = "/bench/floor/submit/", "floor submit"
    if not audited:
        url, name = "/bench/floor/submit-unaudited/", "floor, no audit entry"
    status, _, _ = browser.request("POST", url, name=name, fields=fields, cookie=cookie)
    if status != 204:
        raise StepFailed(f"{name}: {status}")


def per_request(timings: dict, names) -> tuple[int, float]:
    """(requests, CPU ms per request) over the steps named."""
    count = sum(timings[n][0] for n in names if n in timings)
    cpu = sum(timings[n][1] for n in names if n in timings)
    return count, 1000 * cpu / count if count else 0.0


def print_profile(profiler: cProfile.Profile, title: str, top: int) -> None:
    for order in ("tottime", "cumulative"):
        out = io.StringIO()
        stats = pstats.Stats(profiler, stream=out).strip_dirs().sort_stats(order)
        stats.print_stats(top)
        print(f"\n--- {title}, top {top} by {order} ---")
        body = out.getvalue()
        print(body[body.index("ncalls") :] if "ncalls" in body else body)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--learners", type=int, default=40, help="measured journeys")
    parser.add_argument("--profile", type=int, default=0, metavar="N",
                        help="cProfile over N more journeys and N floor submits")  # fmt: skip
    parser.add_argument("--top", type=int, default=40)
    parser.add_argument("--database", default="cme_cpu_profile")
    parser.add_argument("--redis-db", type=int, default=12)
    parser.add_argument("--dump", type=Path, help="write the journey's cProfile stats here")
    args = parser.parse_args()
    warm_up = 3
    learners = warm_up + args.learners + args.profile
    submits = args.learners + args.profile * 5
    floor_submits = args.learners * 15

    work = Path(tempfile.mkdtemp(prefix="cme-profile-"))
    redis_url = f"redis://127.0.0.1:6379/{args.redis_db}"
    os.environ.update(
        bench_env(
            args.database,
            DJANGO_SETTINGS_MODULE="bench.load.floor_settings",
            DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
            DJANGO_ALLOWED_HOSTS="127.0.0.1,localhost",
            CME_PLAIN_HTTP="1",
            CELERY_BROKER_URL="memory://",
            CACHE_URL=redis_url,
            EMAIL_URL=f"filemail:///{work / 'mail'}",
            MEDIA_ROOT=str(work / "media"),
            SITE_URL="http://127.0.0.1",
            # As behind one proxy: the client's address is X-Forwarded-For's last entry.
            CME_TRUSTED_PROXY_COUNT="1",
            DATABASE_CONN_MAX_AGE=os.environ.get("DATABASE_CONN_MAX_AGE", "60"),
        )
    )
    fresh_database(args.database)

    import django

    django.setup()
    from django.core.management import call_command
    from django.core.wsgi import get_wsgi_application

    from bench.load.prepare import prepare
    from demo.content import load_demo_content

    call_command("migrate", verbosity=0)
    call_command("collectstatic", "--noinput", verbosity=0)
    load_demo_content()
    pools = prepare(work, journey=learners, submit=submits, floor=1)
    app = get_wsgi_application()
    print(f"work folder: {work}; {learners} journey learners, {submits} started attempts")

    warm = Browser(app, defaultdict(lambda: [0, 0.0, 0.0]))
    emails = iter(pools["journey"])
    floor_entry, choices = pools["floor"][0], pools["floor_choices"]
    numbers = iter(range(1, 10**6))
    for n in range(warm_up):
        journey(warm, pools, next(emails), fails_first=n % 2 == 0)
    for _ in range(20):
        floor_submit(warm, floor_entry, choices, next(numbers))

    timings = defaultdict(lambda: [0, 0.0, 0.0])
    browser = Browser(app, timings)
    for n in range(args.learners):
        journey(browser, pools, next(emails), fails_first=n % 2 == 0)
    for entry in pools["submit"][: args.learners]:
        submit_only(browser, entry)
    for _ in range(floor_submits):  # about as many requests as the journeys made
        floor_submit(browser, floor_entry, choices, next(numbers))
    for _ in range(floor_submits):
        floor_submit(browser, floor_entry, choices, next(numbers), audited=False)

    print(f"\n{'step':<20}{'requests':>9}{'CPU ms':>9}{'wall ms':>9}")
    for name, (count, cpu, wall) in timings.items():
        print(f"{name:<20}{count:>9}{1000 * cpu / count:>9.2f}{1000 * wall / count:>9.2f}")
    floors = {"submit only", "floor submit", "floor, no audit entry"}
    journey_steps = [n for n in timings if n not in floors]
    count, journey_ms = per_request(timings, journey_steps)
    _, submit_ms = per_request(timings, ["submit only"])
    _, floor_ms = per_request(timings, ["floor submit"])
    _, bare_ms = per_request(timings, ["floor, no audit entry"])
    print(f"\njourney: {count} requests, {journey_ms:.2f} ms CPU per request")
    print(f"submit only: {submit_ms:.2f} ms CPU per request")
    print(f"floor: {floor_ms:.2f} ms CPU per request")
    print(
        f"journey / floor CPU per request = {journey_ms / floor_ms:.2f} (load-test target <= 1.5)"
    )
    print(f"submit / floor CPU per request = {submit_ms / floor_ms:.2f}")
    print(f"floor without its audit entry: {bare_ms:.2f} ms CPU per request; journey / it = "
          f"{journey_ms / bare_ms:.2f}, submit / it = {submit_ms / bare_ms:.2f}")  # fmt: skip

    if args.profile:
        # Timed by this process's CPU clock: waiting for PostgreSQL or Redis costs nothing.
        profiled = Browser(app, defaultdict(lambda: [0, 0.0, 0.0]))
        profiler = cProfile.Profile(time.process_time)
        profiler.enable()
        for n in range(args.profile):
            journey(profiled, pools, next(emails), fails_first=n % 2 == 0)
        profiler.disable()
        print_profile(profiler, f"cProfile (CPU time), {args.profile} journeys", args.top)
        if args.dump:
            profiler.dump_stats(args.dump)
        floor_profiler = cProfile.Profile(time.process_time)
        floor_profiler.enable()
        for _ in range(args.profile * 5):
            floor_submit(profiled, floor_entry, choices, next(numbers))
        floor_profiler.disable()
        print_profile(floor_profiler, f"cProfile (CPU time), {args.profile * 5} floor submits",
                      args.top)  # fmt: skip
        submit_profiler = cProfile.Profile(time.process_time)
        submit_profiler.enable()
        for entry in pools["submit"][args.learners :]:
            submit_only(profiled, entry)
        submit_profiler.disable()
        print_profile(submit_profiler, f"cProfile (CPU time), {args.profile * 5} submits only",
                      args.top)  # fmt: skip


if __name__ == "__main__":
    main()
