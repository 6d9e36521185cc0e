"""Learners who read, for Locust (issue 15). bench/load/realistic.py starts Locust with one
of these classes and LOAD_POOLS pointing at the pools file of bench/load/realistic_prepare.py.

- ReadingLearner: a learner somewhere in a journey of about 15 minutes, with a think time
  of REALISTIC_THINK_MIN..REALISTIC_THINK_MAX seconds (30..90 by default) between steps:
  log in, catalog, module page (read), start the post-test and its page, each answer saved
  on its own as it is chosen (the htmx POST of the attempt page, "save answer"), submit,
  result; on passing, the evaluation page, the evaluation, the claim page, the claim and
  the certificate page. A level of the search lasts a few minutes, far shorter than one
  journey, so each simulated learner enters at the step the pools file gives it (its state
  before that step made in the database beforehand, by the same writes the site does);
  one who finishes is replaced by a new learner who logs in, so the number of learners on
  the site stays the number started.
- SyncLearner: the synchronised start. Every learner logs in and reads the module, then
  waits for a moment drawn in the same minute (REALISTIC_SYNC_AT, epoch seconds, for
  REALISTIC_SYNC_WINDOW seconds), starts the post-test and answers with think times, as
  above.

Before submitting, a share of learners (REALISTIC_RELOAD_SHARE) come back to the attempt
page, as after closing the laptop, and submit the answers it shows them checked, i.e. what
the site saved: a lost save would then be a refused or different submit. Every successful
submit appends {attempt, answers (item ID → choice IDs saved), fails} as a JSON line to
REALISTIC_RECORD, which bench/load/realistic.py compares with the database.

Each simulated user has an address of its own (X-Forwarded-For: 10.x.y.z), as thousands
of clinicians behind the deployment's TLS proxy do (bench/load/realistic.py runs the site
with CME_TRUSTED_PROXY_COUNT=1): log-in rate limits count per address (allauth: 30 a
minute), and one address for all would refuse the 31st log-in of a minute.

Built on bench/load/locustfile.py's Learner (not copied): CSRF, form posts timed without
their redirect, and the journey's log in, answer save and evaluate-and-claim steps, so
that both profiles time the same requests under the same names.
"""

import contextlib
import itertools
import json
import os
import random
import time
from html.parser import HTMLParser
from pathlib import Path

import gevent
from locust import between, task
from locust.exception import StopUser
from requests.cookies import create_cookie

from bench.load import locustfile as journey

POOLS = journey.POOLS
MODULE_URL = journey.MODULE_URL
CORRECT = journey.CORRECT
THINK_MIN = float(os.environ.get("REALISTIC_THINK_MIN", "30"))
THINK_MAX = float(os.environ.get("REALISTIC_THINK_MAX", "90"))
FAIL_SHARE = float(os.environ.get("REALISTIC_FAIL_SHARE", "0.2"))
RELOAD_SHARE = float(os.environ.get("REALISTIC_RELOAD_SHARE", "0.25"))
SYNC_AT = float(os.environ.get("REALISTIC_SYNC_AT", "0"))
SYNC_WINDOW = float(os.environ.get("REALISTIC_SYNC_WINDOW", "60"))
RECORD = Path(os.environ.get("REALISTIC_RECORD", os.devnull))
WRONG_WHEN_FAILING = 4  # of 8 questions: 50 %, under the pass mark of 70 %

# One source per pool, shared by the simulated users of this Locust process.
entries = iter(POOLS["entries"])
fresh_learners = iter(POOLS["fresh"])
_record_file = None
addresses = itertools.count(1)


def record_submit(attempt_id: int, answers: dict[str, list[int]], *, fails: bool) -> None:
    """Append one submitted attempt and the answers its learner saved to REALISTIC_RECORD."""
    global _record_file
    if _record_file is None:
        _record_file = RECORD.open("a", buffering=1)
    line = {"attempt": attempt_id, "answers": answers, "fails": fails}
    _record_file.write(json.dumps(line) + "\n")


class CheckedInputs(HTMLParser):
    """The checked radio and checkbox inputs of a page, as [(field name, value)]."""

    def __init__(self):
        super().__init__()
        self.checked: list[tuple[str, str]] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "input" and attrs.get("name") and "checked" in attrs:
            self.checked.append((attrs["name"], attrs.get("value", "")))


def planned_answers(options: dict[str, list[str]], *, fails: bool) -> list[tuple[str, list[str]]]:
    """What a learner chooses for each question of the attempt page ({field: values in page
    order}): the right choices, except the first WRONG_WHEN_FAILING questions' for a learner
    who is to fail (the first wrong choice instead)."""
    plan, wrong_left = [], WRONG_WHEN_FAILING if fails else 0
    for field, values in options.items():
        wrong = [v for v in values if int(v) not in CORRECT]
        if wrong_left and wrong:
            plan.append((field, wrong[:1]))
            wrong_left -= 1
        else:
            plan.append((field, [v for v in values if int(v) in CORRECT]))
    return plan


class Reader(journey.Learner):
    """What both learners who read share: think times and the steps from a stage on. A
    journey.Learner, so that log in, answer save, evaluation and claim are its requests
    under its step names; its own journey task is not this class's (see the end)."""

    abstract = True
    wait_time = between(THINK_MIN, THINK_MAX)

    def __init__(self, *args, **kwargs):
        n = next(addresses)
        # Read by FastHttpUser.__init__ for its client: every request of this user.
        self.default_headers = {"X-Forwarded-For": f"10.{n >> 16 & 255}.{n >> 8 & 255}.{n & 255}"}
        super().__init__(*args, **kwargs)

    def follow(self, entry: dict) -> None:
        """Go through the journey from the entry's stage to the end."""
        self.client.cookiejar.clear()
        stage, fails = entry["stage"], entry["fails"]
        if stage == "fresh":
            self.log_in(entry["email"])
            stage = "signed_in"
            self.wait()
        else:
            self.use_session(entry)
            # Found in the middle of a think time when the level began watching.
            gevent.sleep(random.uniform(0, self.wait_time()))
        if stage == "signed_in":
            self.client.get("/", name="catalog")
            self.wait()
            self.client.get(MODULE_URL, name="module")
            stage = "read"
            self.wait()
        if stage == "read":
            self.before_start()
            attempt_url, plan = self.start_attempt(fails=fails)
            saved = 0
        elif stage == "answering":
            attempt_url = f"/attempts/{entry['attempt']}/"
            plan = [(f"item-{item}", [str(c) for c in choices]) for item, choices in entry["items"]]
            saved = entry["saved"]
        if stage in {"read", "answering"}:
            for field, chosen in plan[saved:]:
                self.wait()
                self.save_answer(attempt_url, field, chosen)
            self.wait()
            self.submit(attempt_url, plan, fails=fails)
            if fails:
                return  # the learner reads the result and leaves
            stage = "passed"
            self.wait()
        if stage == "passed":
            self.evaluate_and_claim()  # with a think time before each of its POSTs
        elif stage == "evaluated":
            self.claim_after_evaluation()

    def before_start(self) -> None:
        """The moment the learner starts the post-test: at once, having read."""

    def use_session(self, entry: dict) -> None:
        """Cookies of a learner signed in beforehand (session and CSRF token)."""
        for name, value in (("sessionid", entry["session"]), ("csrftoken", entry["csrf"])):
            self.client.cookiejar.set_cookie(create_cookie(name, value, domain="127.0.0.1"))

    def start_attempt(self, *, fails: bool) -> tuple[str, list[tuple[str, list[str]]]]:
        attempt_url = self.post_form(
            f"{MODULE_URL}post-test/start/", self.csrf_fields(), name="start attempt",
            expect="/attempts/",
        )  # fmt: skip
        if attempt_url is None:
            raise journey.StepFailed
        page = self.client.get(attempt_url, name="attempt page")
        plan = planned_answers(journey.form_inputs(page.text or "").options, fails=fails)
        if not plan:
            raise journey.StepFailed
        return attempt_url, plan

    def submit(self, attempt_url: str, plan: list[tuple[str, list[str]]], *, fails: bool) -> None:
        """Submit the attempt page's form: every answer chosen, or, for a learner who comes
        back to the page first, the answers it shows checked (those the site saved)."""
        fields = self.csrf_fields()
        if random.random() < RELOAD_SHARE:
            page = self.client.get(attempt_url, name="attempt page")
            parser = CheckedInputs()
            parser.feed(page.text or "")
            fields += [(name, value) for name, value in parser.checked if name.startswith("item-")]
        else:
            fields += [(field, value) for field, chosen in plan for value in chosen]
        result_url = self.post_form(attempt_url, fields, name="submit", expect=attempt_url)
        if result_url is None:
            raise journey.StepFailed
        attempt_id = int(attempt_url.strip("/").split("/")[-1])
        answers = {field.removeprefix("item-"): [int(v) for v in chosen] for field, chosen in plan}
        record_submit(attempt_id, answers, fails=fails)
        self.client.get(result_url, name="result")

    def claim_after_evaluation(self) -> None:
        """An evaluated learner back at the claim page: claim, then the certificate."""
        page = self.client.get(f"{MODULE_URL}claim/", name="claim page")
        inputs = journey.form_inputs(page.text or "")
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
            f"{MODULE_URL}claim/", fields, name="claim credit", expect="/certificates/"
        )
        if certificate_url is None:
            raise journey.StepFailed
        self.client.get(certificate_url, name="certificate page")


class ReadingLearner(Reader):
    """A learner who reads: 30-90 s between steps, each answer saved as it is chosen. Enters
    at the stage of its pools entry; then, journey after journey, new learners who log in."""

    @task
    def read_and_answer(self):
        entry = next(entries, None)
        if entry is None:
            email = next(fresh_learners, None)
            if email is None:
                raise StopUser  # every prepared learner has been used
            entry = {"email": email, "stage": "fresh", "fails": random.random() < FAIL_SHARE}
        # A failed step is recorded as such; the next iteration takes a new learner.
        with contextlib.suppress(journey.StepFailed):
            self.follow(entry)


class SyncLearner(Reader):
    """The synchronised start: every learner logs in and reads, then starts the post-test
    at a moment drawn in the same minute, then answers with think times. One journey each."""

    @task
    def read_and_answer(self):
        email = next(fresh_learners, None)
        if email is None:
            raise StopUser
        with contextlib.suppress(journey.StepFailed):
            self.follow({"email": email, "stage": "fresh", "fails": random.random() < FAIL_SHARE})
        raise StopUser  # one journey each; the run ends at its time limit

    def before_start(self) -> None:
        moment = SYNC_AT + random.uniform(0, SYNC_WINDOW)
        gevent.sleep(max(0.0, moment - time.time()))


# Locust gives a class its base classes' tasks too: these learners run only their own, not
# journey.Learner's whole fast journey.
ReadingLearner.tasks = [ReadingLearner.read_and_answer]
SyncLearner.tasks = [SyncLearner.read_and_answer]
