"""PARS activity data: learners by profession, credits per kind, support, outcome."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from certificates.models import Certificate, CertificateStatus
from courses.models import CommercialSupport
from reporting.activity_data import OUTCOME_MEASURE, activity_year_data
from tests.factories import UserFactory
from tests.reporting.claims import complete, pharmacist, physician, team_module

pytestmark = pytest.mark.django_db


def test_counts_physicians_other_professions_and_credits_up_to_31_december():
    module = team_module()
    module.commercial_support = CommercialSupport.RECEIVED
    module.commercial_support_statement = "An educational grant from Acme Pharma."
    module.save()
    complete(physician(boards=["ABIM"]), module, hours="1")
    complete(physician(boards=[]), module, hours="0.5")
    complete(pharmacist(), module, hours="0.75")
    nurse = UserFactory(profile__designation="NP")
    complete(nurse, module, hours="0.25", chosen_optional=set())
    revoked = complete(physician(boards=[]), module, hours="1")
    Certificate.objects.filter(claim=revoked).update(
        status=CertificateStatus.REVOKED, revoked_at=timezone.now()
    )
    year = revoked.completed_on.year

    (data,) = activity_year_data(year=year)

    assert data.as_of == datetime.date(year, 12, 31)
    assert (data.physician_learners, data.other_learners) == (2, 2)
    assert data.other_learners_by_profession == {
        "NP (nurse practitioner)": 1,
        "PharmD (pharmacist)": 1,
    }
    assert data.credits_by_kind == {
        "AMA PRA Category 1 Credits™": Decimal("1.50"),  # not the nurse's participation
        "MOC points": Decimal("1.00"),  # ABIM, 1 claimed; nobody chose ABP
        "ACPE contact hours": Decimal("0.75"),
    }
    assert data.commercial_support == "Yes: An educational grant from Acme Pharma."
    assert data.outcome_measure == OUTCOME_MEASURE
    assert activity_year_data(year=year - 5) == []
