"""Learners for the load test, written to a pools file that the locustfile reads.

Three pools, all MD learners (so the AMA credit is theirs to claim):
- journey: `journey-N@load.example.com` with one known password and nothing else: no
  disclosures seen (the module page records them), no attempt, no claim. They log in
  through the log-in form.
- submit: learners who opened the module and started an attempt, each with a session of
  their own made here: the submit-throughput run only submits.
- floor: learners with a participation and a session, one per simulated user of the floor
  run (bench/load/floor.py).
Sessions made here are what Django's log-in stores (user, backend, password hash) plus the
learner's time zone, so the server authenticates those requests as any other; the CSRF
token is a random secret sent both as the cookie and as the form field, as a browser does.

Run by bench/load/run.py; on its own (Django set up against the load-test database):
    .venv/bin/python -m bench.load.prepare WORK_DIR --journey 1500 --submit 6000 --floor 100
"""

import argparse
import json
import os
import secrets
import sys
from importlib import import_module
from pathlib import Path

PASSWORD = "load-test-Password-1"  # the known password of every simulated learner
JOURNEY_EMAIL = "journey-{n}@load.example.com"
SUBMIT_EMAIL = "submit-{n}@load.example.com"
FLOOR_EMAIL = "floor-{n}@load.example.com"
POOLS_FILE = "pools.json"


def new_learner(email: str, n: int):
    from accounts.emails import record_confirmed_email
    from accounts.registration import register_learner

    learner = register_learner(
        email,
        password=None,
        first_name="Load",
        last_name=f"Learner {n}",
        designation="MD",
        certificate_name=f"Load Learner {n}",
    )
    record_confirmed_email(learner)  # log-in needs a confirmed address
    return learner


def correct_choice_ids(module) -> set[int]:
    from quizzes.models import Choice

    versions = module.post_test.questions.filter(is_active=True).values("current_version")
    return set(
        Choice.objects.filter(version__in=versions, is_correct=True).values_list("pk", flat=True)
    )


def session_for(user) -> dict[str, str]:
    """A logged-in session for `user`, as django.contrib.auth.login stores it, with the
    time zone the learner's first page adds (accounts.timezones): a learner who submits has
    opened pages before, so the submit neither reads the profile nor rewrites the session
    for it (until 2026-11-30 every submit-only request did both, about a tenth of its CPU)."""
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY

    from accounts import timezones

    store = import_module(settings.SESSION_ENGINE).SessionStore()
    store[SESSION_KEY] = str(user.pk)
    store[BACKEND_SESSION_KEY] = "accounts.backends.ModelBackendOneQuery"
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store[timezones.SESSION_KEY] = timezones.learner_time_zone(user).key
    store.create()
    return {"session": store.session_key, "csrf": secrets.token_hex(16)}


def prepare(work: Path, *, journey: int, submit: int, floor: int) -> dict:
    """Create the three pools in the (migrated, demo-loaded) database and write them to
    WORK/pools.json. Returns what was written."""
    from django.contrib.auth.hashers import make_password
    from django.db import transaction

    from accounts.models import User
    from courses.disclosures import record_disclosures_shown
    from courses.models import Module
    from demo.content import SLUG
    from quizzes.attempts import lock_participation, start_attempt

    module = Module.objects.select_related("post_test").get(slug=SLUG)
    post_test = module.post_test
    correct = correct_choice_ids(module)

    # One hash for every journey learner: hashing the same password once per account
    # would take 0.3 s each. The log-ins themselves check it at full production cost.
    journey_ids = [new_learner(JOURNEY_EMAIL.format(n=n), n).pk for n in range(1, journey + 1)]
    User.objects.filter(pk__in=journey_ids).update(password=make_password(PASSWORD))

    submit_pool = []
    for n in range(1, submit + 1):
        learner = new_learner(SUBMIT_EMAIL.format(n=n), n)
        record_disclosures_shown(learner, module=module)
        attempt = start_attempt(learner, post_test=post_test)
        answers = {
            f"item-{item.pk}": sorted(set(item.choice_order) & correct)
            for item in attempt.items.all()
        }
        submit_pool.append({**session_for(learner), "attempt": attempt.pk, "answers": answers})

    floor_pool = []
    for n in range(1, floor + 1):
        learner = new_learner(FLOOR_EMAIL.format(n=n), n)
        with transaction.atomic():
            lock_participation(learner, post_test)  # the row the floor's attempts hang off
        floor_pool.append(session_for(learner))

    pools = {
        "module": SLUG,
        "password": PASSWORD,
        "journey": [JOURNEY_EMAIL.format(n=n) for n in range(1, journey + 1)],
        "correct_choices": sorted(correct),
        "submit": submit_pool,
        "floor": floor_pool,
        "floor_choices": sorted(correct),
    }
    (work / POOLS_FILE).write_text(json.dumps(pools))
    return pools


def main():
    parser = argparse.ArgumentParser(description="Create the load test's learners.")
    parser.add_argument("work", type=Path)
    parser.add_argument("--journey", type=int, default=1500)
    parser.add_argument("--submit", type=int, default=6000)
    parser.add_argument("--floor", type=int, default=100)
    args = parser.parse_args()
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.load.floor_settings")
    import django

    django.setup()
    args.work.mkdir(parents=True, exist_ok=True)
    prepare(args.work, journey=args.journey, submit=args.submit, floor=args.floor)


if __name__ == "__main__":
    main()
