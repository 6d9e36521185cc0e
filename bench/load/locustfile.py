"""Simulated learners for Locust. bench/load/run.py starts Locust with one of these classes
and LOAD_POOLS pointing at the pools file of bench/load/prepare.py.

- Learner: the whole journey through the site, as a browser does it, one learner after
  another: log in, catalog, module page (which records that the disclosures were shown),
  start the post-test, its page, submit; about half fail the first attempt (4 of 8 wrong),
  read the result, go back to the module and pass the second; then the result, the
  evaluation, the claim and the certificate page; log out. One submit in ten is
  double-clicked (a second identical POST at the same moment, reported apart). Pauses
  between steps come from LOAD_WAIT_MIN..LOAD_WAIT_MAX seconds (default 1..3). Each
  learner comes from an address of their own, sent as X-Forwarded-For as the site's proxy
  would (run.py sets CME_TRUSTED_PROXY_COUNT=1): the site allows 30 log-ins a minute per
  address (django-allauth), which one address for every simulated learner would exceed.
  With LOAD_SAVE_ANSWERS=1 the learner also saves each answer as they choose it, one by
  one with a pause before each, as the attempt page does through htmx ("save answer"),
  and then submits the whole form as a browser does. Off by default, so that today's
  profile and its figures stay comparable with earlier runs.
- SubmitOnly: no pauses; each iteration submits one started attempt of the submit pool
  with all answers right, and nothing else. Its throughput is the real submit's capacity.
- FloorSubmit: no pauses; the same answers posted to the floor (bench/load/floor.py).

Every request is named by its step, so Locust's statistics are per step. A step whose
answer is not what a browser would get (wrong status or redirect) counts as a failure.
"""

import itertools
import json
import os
import random
import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import gevent
from locust import FastHttpUser, between, constant, task
from locust.contrib.fasthttp import FastHttpSession
from locust.exception import StopUser

POOLS = json.loads(Path(os.environ["LOAD_POOLS"]).read_text())
MODULE_URL = f"/modules/{POOLS['module']}/"
CORRECT = set(POOLS["correct_choices"])
FAIL_FIRST_SHARE = 0.5
DOUBLE_CLICK_SHARE = 0.1
WRONG_ANSWERS_ON_FAIL = 4
SAVE_ANSWERS = os.environ.get("LOAD_SAVE_ANSWERS", "0") == "1"

# One source per pool, shared by the simulated users of this Locust process.
# LOAD_JOURNEY_FROM: where in the journey pool this run starts (the warm-up takes learners
# from the end of the pool, so that the measured journey never meets one it has used).
journey_learners = iter(POOLS["journey"][int(os.environ.get("LOAD_JOURNEY_FROM", "0")) :])
submit_attempts = iter(POOLS["submit"])
floor_learners = iter(POOLS["floor"])
FORM = {"Content-Type": "application/x-www-form-urlencoded"}


class FormInputs(HTMLParser):
    """The radio and checkbox inputs of a page, as {field name: [values in page order]},
    and the `value` of named text or number inputs."""

    def __init__(self):
        super().__init__()
        self.options: dict[str, list[str]] = {}
        self.values: dict[str, str] = {}

    def handle_starttag(self, tag, attrs):
        if tag != "input":
            return
        attrs = dict(attrs)
        name = attrs.get("name")
        if not name:
            return
        if attrs.get("type") in {"radio", "checkbox"}:
            self.options.setdefault(name, []).append(attrs.get("value", ""))
        elif attrs.get("value") is not None:
            self.values[name] = attrs["value"]


def form_inputs(html: str) -> FormInputs:
    parser = FormInputs()
    parser.feed(html)
    return parser


def first_alert(html: str) -> str:
    """The first alert message of a page (a refused form says why there)."""
    match = re.search(r'class="alert[^"]*"[^>]*>(.*?)</div>', html, re.S)
    return (
        re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", match.group(1))).strip()[:160] if match else ""
    )


def learner_address(email: str) -> str:
    """The learner's own client address, 10.x.y.z from the number in the e-mail address."""
    n = int(re.sub(r"\D", "", email.split("@")[0]) or 0)
    return f"10.{n >> 16 & 255}.{n >> 8 & 255}.{n & 255 or 1}"


def path_of(response) -> str:
    return urlsplit(response.headers.get("Location", "")).path


class Browser(FastHttpUser):
    """What every simulated user shares: CSRF tokens and form posts without following the
    redirect, so that each step is timed on its own."""

    abstract = True

    def csrf_token(self) -> str:
        for cookie in self.client.cookiejar:
            if cookie.name == "csrftoken":
                return cookie.value
        return ""

    def post_form(
        self,
        url: str,
        fields: list[tuple[str, str]],
        *,
        name: str,
        expect: str,
        headers: dict | None = None,
        session: FastHttpSession | None = None,
    ) -> str | None:
        """POST a form; the step succeeds when it redirects to a path starting with
        `expect`. Returns that path, or None when the step failed."""
        session = session or self.client
        with session.post(
            url,
            data=urlencode(fields),
            headers={**FORM, **(headers or {})},
            name=name,
            allow_redirects=False,
            catch_response=True,
        ) as response:
            location = path_of(response)
            if response.status_code == 302 and location.startswith(expect):
                response.success()
                return location
            detail = location or first_alert(response.text or "") or "no redirect"
            response.failure(f"{name}: {response.status_code} → {detail}")
            return None


class Learner(Browser):
    wait_time = between(
        float(os.environ.get("LOAD_WAIT_MIN", "1")), float(os.environ.get("LOAD_WAIT_MAX", "3"))
    )

    forwarded: dict[str, str] = {}  # X-Forwarded-For of the learner being simulated

    def get(self, url: str, *, name: str):
        return self.client.get(url, name=name, headers=self.forwarded)

    def post_form(self, url, fields, *, name, expect, headers=None, session=None):
        """Browser.post_form from the learner's address."""
        return super().post_form(
            url, fields, name=name, expect=expect, headers={**self.forwarded, **(headers or {})},
            session=session,
        )  # fmt: skip

    def on_start(self):
        # A double click sends its second POST from a session of its own (with the same
        # cookies): one session cannot run two requests at once without mixing them up.
        self.second_tab = FastHttpSession(
            self.host, request_event=self.environment.events.request, user=self
        )

    @task
    def journey(self):
        email = next(journey_learners, None)
        if email is None:
            raise StopUser  # every prepared learner has been used
        fails_first = random.random() < FAIL_FIRST_SHARE
        self.forwarded = {"X-Forwarded-For": learner_address(email)}
        try:
            self.client.cookiejar.clear()
            self.log_in(email)
            self.wait()
            self.get("/", name="catalog")
            self.wait()
            self.get(MODULE_URL, name="module")
            self.wait()
            self.take_post_test(passing=not fails_first)
            if fails_first:
                self.wait()
                self.get(MODULE_URL, name="module")
                self.wait()
                self.take_post_test(passing=True)
            self.wait()
            self.evaluate_and_claim()
            self.wait()
            self.post_form("/accounts/logout/", self.csrf_fields(), name="log out", expect="/")
        except StepFailed:
            pass  # recorded as a failure of its step; the next iteration takes a new learner

    def csrf_fields(self) -> list[tuple[str, str]]:
        return [("csrfmiddlewaretoken", self.csrf_token())]

    def log_in(self, email: str) -> None:
        self.get("/accounts/login/", name="log-in page")
        fields = [*self.csrf_fields(), ("login", email), ("password", POOLS["password"])]
        if self.post_form("/accounts/login/", fields, name="log in", expect="/") is None:
            raise StepFailed

    def take_post_test(self, *, passing: bool) -> None:
        attempt_url = self.post_form(
            f"{MODULE_URL}post-test/start/", self.csrf_fields(), name="start attempt",
            expect="/attempts/",
        )  # fmt: skip
        if attempt_url is None:
            raise StepFailed
        page = self.get(attempt_url, name="attempt page")
        options = form_inputs(page.text).options
        fields = self.csrf_fields()
        wrong_left = 0 if passing else WRONG_ANSWERS_ON_FAIL
        for field, values in options.items():
            right = [v for v in values if int(v) in CORRECT]
            wrong = [v for v in values if int(v) not in CORRECT]
            if wrong_left and wrong:
                chosen, wrong_left = wrong[:1], wrong_left - 1
            else:
                chosen = right
            fields.extend((field, value) for value in chosen)
            if SAVE_ANSWERS:
                self.wait()
                self.save_answer(attempt_url, field, chosen)
        self.wait()
        second_click = None
        if random.random() < DOUBLE_CLICK_SHARE:
            self.second_tab.cookiejar.clear()
            for cookie in self.client.cookiejar:
                self.second_tab.cookiejar.set_cookie(cookie)
            second_click = gevent.spawn(
                self.post_form, attempt_url, fields, name="submit (second click)",
                expect=attempt_url, session=self.second_tab,
            )  # fmt: skip
        result_url = self.post_form(attempt_url, fields, name="submit", expect=attempt_url)
        if second_click is not None:
            second_click.join(timeout=60)
        if result_url is None:
            raise StepFailed
        self.get(result_url, name="result")

    def save_answer(self, attempt_url: str, field: str, chosen: list[str]) -> None:
        """Save one question's answer as the attempt page does when it is chosen (htmx):
        the step succeeds when the question's status line says "Saved"."""
        item_id = field.removeprefix("item-")
        fields = [*self.csrf_fields(), *((field, value) for value in chosen)]
        with self.client.post(
            f"{attempt_url}items/{item_id}/answer/", data=urlencode(fields),
            headers={**FORM, **self.forwarded, "HX-Request": "true"}, name="save answer",
            catch_response=True,
        ) as response:  # fmt: skip
            saved = response.status_code == 200 and "Saved" in (response.text or "")
            if saved:
                response.success()
            else:
                text = re.sub(r"<[^>]+>", "", response.text or "").strip()[:160]
                response.failure(f"save answer: {response.status_code} → {text}")
        if not saved:
            raise StepFailed

    def evaluate_and_claim(self) -> None:
        evaluation_url = f"{MODULE_URL}evaluation/"
        page = self.get(evaluation_url, name="evaluation page")
        fields = self.csrf_fields()
        for field in form_inputs(page.text).options:
            if field.startswith("objective-") or field in {"relevance", "overall_quality"}:
                fields.append((field, "5"))
        fields.append(("free_of_commercial_bias", "yes"))
        self.wait()
        claim_url = self.post_form(
            evaluation_url, fields, name="evaluate", expect=f"{MODULE_URL}claim/"
        )
        if claim_url is None:
            raise StepFailed
        page = self.get(claim_url, name="claim page")
        inputs = form_inputs(page.text)
        hours = inputs.values.get("hours", "0.25")
        fields = [
            *self.csrf_fields(),
            ("hours", hours),
            ("reviewed_hours", inputs.values.get("reviewed_hours", hours)),
            ("attested", "on"),
            ("action", "claim"),
        ]
        self.wait()
        certificate_url = self.post_form(
            claim_url, fields, name="claim credit", expect="/certificates/"
        )
        if certificate_url is None:
            raise StepFailed
        self.get(certificate_url, name="certificate page")


class StepFailed(Exception):
    """A step went wrong: the journey of this learner stops there."""


class SubmitOnly(Browser):
    wait_time = constant(0)

    @task
    def submit(self):
        entry = next(submit_attempts, None)
        if entry is None:
            raise StopUser  # every prepared attempt has been submitted
        url = f"/attempts/{entry['attempt']}/"
        fields = [("csrfmiddlewaretoken", entry["csrf"])]
        fields += [(name, str(c)) for name, choices in entry["answers"].items() for c in choices]
        cookie = f"sessionid={entry['session']}; csrftoken={entry['csrf']}"
        self.client.cookiejar.clear()  # this learner's cookies only, as sent below
        self.post_form(
            url, fields, name="submit", expect=f"{url}result/", headers={"Cookie": cookie}
        )


class FloorSubmit(Browser):
    wait_time = constant(0)

    def on_start(self):
        entry = next(floor_learners, None)
        if entry is None:
            raise StopUser  # one floor learner per simulated user
        self.cookie = f"sessionid={entry['session']}; csrftoken={entry['csrf']}"
        self.fields = [("csrfmiddlewaretoken", entry["csrf"])]
        self.fields += [("choice", str(c)) for c in POOLS["floor_choices"]]
        self.numbers = itertools.count(1)

    @task
    def submit(self):
        fields = [*self.fields, ("number", str(next(self.numbers)))]
        self.client.cookiejar.clear()  # this learner's cookies only, as sent below
        with self.client.post(
            "/bench/floor/submit/", data=urlencode(fields),
            headers={**FORM, "Cookie": self.cookie}, name="floor submit", catch_response=True,
        ) as response:  # fmt: skip
            if response.status_code != 204:
                response.failure(f"floor submit: {response.status_code}")
