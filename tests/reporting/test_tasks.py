"""The daily tasks: each harmless to run twice."""

import datetime

import pytest
from django.core import mail

from reporting import tasks
from reporting.models import DeadlineWarning, Delivery, DeliveryStatus, Registry
from tests.reporting.claims import complete, pharmacist, physician, team_module

pytestmark = pytest.mark.django_db


def test_ready_deliveries_go_out_in_one_batch_per_registry_once(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.CME_ACCME_PROVIDER_ID = "1234567"
    complete(pharmacist(), team_module())
    complete(physician(boards=[]), team_module(pars_activity_id="202612345"))

    first = tasks.send_ready_deliveries()
    second = tasks.send_ready_deliveries()

    assert first == {Registry.PARS: 1, Registry.CPE_MONITOR: 1}
    assert second == {Registry.PARS: 0, Registry.CPE_MONITOR: 0}
    assert set(Delivery.objects.values_list("status", flat=True)) == {DeliveryStatus.SENT}


def test_missed_deliveries_are_marked_once():
    cpe = Delivery.objects.get(line__claim=complete(pharmacist(epid=""), team_module()))
    Delivery.objects.filter(pk=cpe.pk).update(deadline=cpe.deadline - datetime.timedelta(days=61))

    assert tasks.mark_missed_deliveries() == 1
    assert tasks.mark_missed_deliveries() == 0


def test_the_deadline_warning_goes_to_cme_administrators_once_a_day(cme_administrator):
    complete(pharmacist(epid=""), team_module())

    assert tasks.warn_about_deadlines() is False  # due in 60 days: nothing to say yet
    cpe = Delivery.objects.get()
    Delivery.objects.filter(pk=cpe.pk).update(deadline=cpe.deadline - datetime.timedelta(days=55))

    assert tasks.warn_about_deadlines() is True
    assert tasks.warn_about_deadlines() is False

    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["cme-admin@example.com"]
    assert message.subject == "Registry deliveries: 1 due within 7 days, 0 missed"
    assert "- NABP CPE Monitor, Pia Farma, " in message.body
    assert "(waiting for your NABP e-Profile ID)" in message.body
    assert "/reporting/" in message.body
    assert DeadlineWarning.objects.get().due_count == 1
