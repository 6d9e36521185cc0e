"""Learners for one level of the realistic load test (bench/load/realistic.py), written to
a pools file that bench/load/realistic_locustfile.py reads.

A level watches N learners for a few minutes of a journey that takes each of them about a
quarter of an hour, so most of them are somewhere in the middle of it when the level
begins. Each entry of the pools file is one learner at one stage, its state before that
stage made here, drawn in proportion to the think times spent before each stage:

  fresh       nothing but the account (log in next)                      1 think time
  signed_in   a session (catalog and module page next)                   2
  read        a session, the disclosures shown (start the post-test)      1
  answering   an attempt with k of its 8 answers saved, k = 0..8          9
              (the next save, or the submit when k = 8)
  passed      a passing attempt (evaluation page next)                   2 x pass share
  evaluated   a passing attempt and an evaluation (claim page next)      1 x pass share

plus `reserve` fresh learners who replace those who finish during the level. Accounts,
profiles, confirmed e-mail addresses, sessions, disclosure records and saved answers are
bulk-created as the site writes them (one precomputed password hash for every account, as
bench/load/prepare.py does; a session as django.contrib.auth.login stores it; a saved
answer is one AttemptResponse row per chosen choice, as quizzes.attempts.save_answer
writes it); attempts are started, submitted and evaluated through the domain functions
(start_attempt, submit_attempt, submit_evaluation), in two processes.
"""

import json
import multiprocessing
import random
import secrets
from datetime import timedelta
from importlib import import_module
from pathlib import Path

from bench.load.prepare import PASSWORD, correct_choice_ids

EMAIL = "read-{tag}-{n}@load.example.com"
QUESTIONS = 8  # the demo post-test's
WRONG_WHEN_FAILING = 4  # as realistic_locustfile.WRONG_WHEN_FAILING
PROCESSES = 2


def stage_weights(pass_share: float) -> list[tuple[str, int | None, float]]:
    """(stage, answers saved or None, weight): the share of learners found at each stage of
    the journey at a given moment, in proportion to the think times spent before it."""
    return [
        ("fresh", None, 1.0),
        ("signed_in", None, 2.0),
        ("read", None, 1.0),
        *(("answering", k, 1.0) for k in range(QUESTIONS + 1)),
        ("passed", None, 2.0 * pass_share),
        ("evaluated", None, 1.0 * pass_share),
    ]


def make_learners(tag: str, count: int) -> list[tuple[int, str]]:
    """Create `count` MD learners with confirmed addresses and the known password, in bulk.
    Returns [(user ID, e-mail)]."""
    from allauth.account.models import EmailAddress
    from django.contrib.auth.hashers import make_password
    from django.db import transaction

    from accounts.models import Profile, User

    password = make_password(PASSWORD)  # once: Argon2id costs about 20 ms a hash
    emails = [EMAIL.format(tag=tag, n=n) for n in range(1, count + 1)]
    with transaction.atomic():
        users = User.objects.bulk_create(
            (
                User(email=email, first_name="Load", last_name=f"Learner {n}", password=password)
                for n, email in enumerate(emails, start=1)
            ),
            batch_size=2000,
        )
        Profile.objects.bulk_create(
            (
                Profile(user=user, designation="MD", certificate_name=f"Load Learner {n}")
                for n, user in enumerate(users, start=1)
            ),
            batch_size=2000,
        )
        EmailAddress.objects.bulk_create(
            (
                EmailAddress(user=user, email=user.email.lower(), verified=True, primary=True)
                for user in users
            ),
            batch_size=2000,
        )
    return [(user.pk, user.email) for user in users]


def make_sessions(user_ids: list[int]) -> dict[int, dict[str, str]]:
    """A signed-in session per user, as django.contrib.auth.login stores it with the site's
    session engine (Django's database engine or one built on it), in bulk; returns
    {user ID: {"session": key, "csrf": token}}. The CSRF token is a random secret sent as
    both the cookie and the form field, as a browser does."""
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore as DatabaseSessionStore
    from django.utils import timezone

    from accounts.models import User

    engine = import_module(settings.SESSION_ENGINE).SessionStore
    if not issubclass(engine, DatabaseSessionStore):
        raise SystemExit(f"sessions are made as rows of the database engine's table, not for "
                         f"{settings.SESSION_ENGINE}")  # fmt: skip
    store, expire = engine(), timezone.now() + timedelta(seconds=settings.SESSION_COOKIE_AGE)
    Session = engine.get_model_class()
    made, rows = {}, []
    for user in User.objects.filter(pk__in=user_ids):
        key = store._get_new_session_key()
        data = {
            SESSION_KEY: str(user.pk),
            BACKEND_SESSION_KEY: "accounts.backends.ModelBackendOneQuery",
            HASH_SESSION_KEY: user.get_session_auth_hash(),
        }
        rows.append(Session(session_key=key, session_data=store.encode(data), expire_date=expire))
        made[user.pk] = {"session": key, "csrf": secrets.token_hex(16)}
    Session.objects.bulk_create(rows, batch_size=2000)
    return made


def planned_choices(item, correct: set[int], *, wrong: bool) -> list[int]:
    """An item's choices as the learner picks them: the right ones, or the first wrong one
    in the learner's order."""
    if wrong:
        return [next(c for c in item.choice_order if c not in correct)]
    return sorted(set(item.choice_order) & correct)


def make_attempts(work: list[dict]) -> list[dict]:
    """For each {user, stage, saved, fails}: start the attempt and save its first `saved`
    answers; for the passed and evaluated stages submit all right answers too (and
    evaluate). Returns the work items with "attempt" and "items" [[item ID, [choice IDs]]]
    in page order. Runs in a pool process."""
    from django.db import connection

    from accounts.models import User
    from certificates.evaluations import submit_evaluation
    from courses.models import Module
    from demo.content import SLUG
    from quizzes.attempts import start_attempt, submit_attempt
    from quizzes.models import AttemptResponse

    module = Module.objects.select_related("post_test").get(slug=SLUG)
    correct = correct_choice_ids(module)
    objectives = list(module.objectives.values_list("pk", flat=True))
    users = User.objects.in_bulk([w["user"] for w in work])
    done = []
    for w in work:
        learner = users[w["user"]]
        attempt = start_attempt(learner, post_test=module.post_test)
        items = list(attempt.items.order_by("position"))
        plan = [
            (item.pk, planned_choices(item, correct, wrong=w["fails"] and i < WRONG_WHEN_FAILING))
            for i, item in enumerate(items)
        ]
        if w["stage"] == "answering":
            AttemptResponse.objects.bulk_create(
                AttemptResponse(item_id=pk, choice_id=c)
                for pk, ids in plan[: w["saved"]]
                for c in ids
            )
        else:  # passed or evaluated
            submit_attempt(attempt, answers=dict(plan))
            if w["stage"] == "evaluated":
                submit_evaluation(
                    learner, module=module, objective_ratings=dict.fromkeys(objectives, 5),
                    free_of_commercial_bias=True, bias_comment="", relevance=5, overall_quality=5,
                )  # fmt: skip
        done.append({**w, "attempt": attempt.pk, "items": plan})
    connection.close()
    return done


def prepare_level(
    work: Path, tag: str, *, learners: int, reserve: int, fail_share: float, seed: int = 0
) -> Path:
    """Make `learners` entries spread over the journey's stages plus `reserve` fresh
    learners, in the (migrated, demo-loaded) database; write them to WORK/pools-TAG.json in
    the shape both locustfiles read; return that path."""
    from django.db import connections

    from courses.models import DisclosureAcknowledgement, Module
    from demo.content import SLUG

    rng = random.Random(seed)
    module = Module.objects.get(slug=SLUG)
    weights = stage_weights(1 - fail_share)
    drawn = rng.choices(weights, weights=[w for *_, w in weights], k=learners)
    accounts = make_learners(tag, learners + reserve)
    entries = []
    for (user_id, email), (stage, saved, _) in zip(accounts, drawn, strict=False):
        fails = stage == "answering" and rng.random() < fail_share
        entries.append(
            {"user": user_id, "email": email, "stage": stage, "saved": saved, "fails": fails}
        )
    signed_in = [e for e in entries if e["stage"] != "fresh"]
    sessions = make_sessions([e["user"] for e in signed_in])
    for entry in signed_in:
        entry.update(sessions[entry["user"]])
    # The row courses.disclosures.record_disclosures_shown writes when the module page shows.
    DisclosureAcknowledgement.objects.bulk_create(
        (
            DisclosureAcknowledgement(learner_id=e["user"], module=module)
            for e in entries
            if e["stage"] not in {"fresh", "signed_in"}
        ),
        ignore_conflicts=True,
        batch_size=2000,
    )
    with_attempts = [e for e in entries if e["stage"] in {"answering", "passed", "evaluated"}]
    connections.close_all()  # the pool processes open their own
    chunks = [with_attempts[i::PROCESSES] for i in range(PROCESSES)]
    with multiprocessing.get_context("fork").Pool(PROCESSES) as pool:
        made = {w["user"]: w for chunk in pool.map(make_attempts, chunks) for w in chunk}
    for entry in entries:
        entry.update(made.get(entry["user"], {}))
    rng.shuffle(entries)  # stages mixed along the ramp
    pools = {
        "module": SLUG,
        "password": PASSWORD,
        "correct_choices": sorted(correct_choice_ids(module)),
        "entries": entries,
        "fresh": [email for _, email in accounts[learners:]],
        # What bench/load/locustfile.py (whose steps these learners borrow) reads at import.
        "journey": [],
        "submit": [],
        "floor": [],
    }
    path = work / f"pools-{tag}.json"
    path.write_text(json.dumps(pools))
    return path
