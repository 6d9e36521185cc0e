"""core.middleware.AuditlogMiddleware: the entries a request writes name its user and the
client's address; the receiver that fills them in is connected once, not per request, and
nothing of one request's context is left for the next or for code outside requests."""

import pytest
from auditlog.context import auditlog_value
from auditlog.models import LogEntry
from django.db.models.signals import pre_save
from django.test import override_settings
from django.urls import reverse

from accounts.profiles import update_profile
from core.audit import recorded_as

pytestmark = pytest.mark.django_db

PROFILE = {
    "first_name": "Maria",
    "last_name": "Gómez",
    "certificate_name": "Maria Gómez",
    "designation": "MD",
    "time_zone": "UTC",
}


def rename(learner, name: str) -> None:
    update_profile(learner.profile, changes={"certificate_name": name}, board_ids={})


def latest_entry_of(learner) -> LogEntry:
    return LogEntry.objects.get_for_object(learner.profile).latest("timestamp")


def log_entry_receivers() -> int:
    return len(pre_save._live_receivers(LogEntry)[0])


@override_settings(CME_TRUSTED_PROXY_COUNT=1)
def test_an_entry_written_in_a_request_names_the_user_and_the_client(client, learner):
    client.force_login(learner)

    client.post(
        reverse("accounts:profile"), PROFILE, REMOTE_ADDR="10.0.0.2",
        HTTP_X_FORWARDED_FOR="203.0.113.66",
    )  # fmt: skip

    entry = latest_entry_of(learner)
    assert (entry.actor, entry.actor_email, entry.remote_addr) == (
        learner,
        learner.email,
        "203.0.113.66",
    )


def test_requests_connect_no_receiver_of_their_own(client, learner):
    client.force_login(learner)
    client.get(reverse("courses:catalog"))
    before = log_entry_receivers()

    for _ in range(3):
        client.post(reverse("accounts:profile"), PROFILE)

    assert log_entry_receivers() == before
    assert auditlog_value.get(None) is None


def test_a_change_after_the_request_is_not_put_on_its_user(client, learner):
    client.force_login(learner)
    client.post(reverse("accounts:profile"), PROFILE)

    rename(learner, "Marta Gómez")

    entry = latest_entry_of(learner)
    assert entry.actor is None and entry.remote_addr is None


def test_a_reason_recorded_inside_a_request_names_its_own_actor(rf, learner, cme_administrator):
    from core.middleware import AuditlogMiddleware

    def view(request):
        with recorded_as(cme_administrator, reason="Name corrected at the learner's request"):
            rename(learner, "Marta Gómez")
        rename(learner, "Martina Gómez")
        from django.http import HttpResponse

        return HttpResponse()

    request = rf.post("/", REMOTE_ADDR="198.51.100.7")
    request.user = learner
    before = LogEntry.objects.count()
    AuditlogMiddleware(view)(request)

    by_admin, by_learner = LogEntry.objects.order_by("pk")[before:]
    assert by_admin.actor == cme_administrator
    assert by_admin.additional_data == {"reason": "Name corrected at the learner's request"}
    assert (by_learner.actor, by_learner.remote_addr) == (learner, "198.51.100.7")
