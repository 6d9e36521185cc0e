"""The completions CSV download, written by PostgreSQL (certificates.exports
.completions_csv_response): the same bytes as the Python writer of the same report rows,
for the same filters, whatever the learners typed."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from accounts.models import Profile, User
from certificates import exports
from certificates.claims import claim_credit
from certificates.issuance import issue_certificate, revoke_certificate
from certificates.models import CreditClaim
from certificates.reports import CompletionFilter, completion_rows
from core.spreadsheets import BOM
from courses.models import Module
from tests.certificates.conftest import evaluate, pass_post_test
from tests.factories import UserFactory, post_test_with_questions

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def new_module(title=None):
    module = post_test_with_questions(5).module
    module.credits.update(max_credits=Decimal("1.00"))
    if title is not None:
        Module.objects.filter(pk=module.pk).update(title=title)
    return module


def learner(first, last, designation="MD"):
    user = UserFactory()
    User.objects.filter(pk=user.pk).update(first_name=first, last_name=last)
    Profile.objects.filter(user=user).update(designation=designation)
    return User.objects.get(pk=user.pk)


def complete(user, module, *, on, amount="0.25"):
    pass_post_test(user, module.post_test)
    evaluate(user, module)
    claim = claim_credit(user, module=module, hours=amount, attested=True)
    CreditClaim.objects.filter(pk=claim.pk).update(completed_on=on)
    return claim


def downloaded(report_filter) -> bytes:
    response = exports.completions_csv_response(report_filter)
    assert response.streaming
    return b"".join(response.streaming_content)


def python_writer(report_filter) -> bytes:
    """The download as it was written before PostgreSQL wrote it: the report's rows through
    the site's Python CSV writer, with the byte-order mark."""
    return (BOM + "".join(exports.stream_csv(completion_rows(report_filter)))).encode()


def test_awkward_names_and_titles_are_written_as_the_python_writer_wrote_them():
    title = 'Renal dosing, part 2: "the kidney" — ¿qué?'
    module = new_module(title)
    awkward = [
        ("", '=HYPERLINK("http://evil")'),
        ("+1 555", 'Say "hi"'),
        ("Line\nbreak", "Núñez-García"),
        ("王", "小明"),
        ("-0.75", "@admin"),
        ("\tTab", "O'Brien, Jr."),
    ]
    claims = [
        complete(learner(first, last), module, on=datetime.date(2025, 3, day), amount=amount)
        for day, (first, last), amount in zip(
            range(1, 7), awkward, ["0.25", "0.50", "0.75", "1.00", "0.25", "0.50"], strict=True
        )
    ]

    written = downloaded(CompletionFilter())

    assert written == python_writer(CompletionFilter())
    first = claims[0]
    number = first.certificates.get().number
    assert written.decode().split("\r\n")[1] == (
        f'2025-03-01,"\'=HYPERLINK(""http://evil"")",,{first.learner.email},MD,'
        f'"Renal dosing, part 2: ""the kidney"" — ¿qué?",1,AMA PRA Category 1 Credit™,credit,'
        f"0.25,{number},pending"
    )
    assert ',Núñez-García,"Line\nbreak",' in written.decode()
    assert ",@admin," not in written.decode() and ",'@admin,-0.75," in written.decode()
    assert written.endswith(b"\r\n") and written.count(b"\r\n") == 7


def test_the_download_follows_the_filters_and_leaves_out_revoked_certificates(
    cme_administrator,
):
    module_a, module_b = new_module(), new_module()
    md, do = learner("Ana", "Lima", "MD"), learner("Bo", "Chen", "DO")
    complete(md, module_a, on=datetime.date(2025, 3, 1))
    complete(md, module_b, on=datetime.date(2025, 6, 1))
    complete(do, module_a, on=datetime.date(2025, 4, 1))
    revoked = complete(do, module_b, on=datetime.date(2025, 5, 1))
    revoke_certificate(
        issue_certificate(revoked.certificates.get().pk), by=cme_administrator, reason="Mistake."
    )
    filters = [
        CompletionFilter(),
        CompletionFilter(profession="MD"),
        CompletionFilter(module_id=module_a.pk, start=datetime.date(2025, 3, 15)),
        CompletionFilter(end=datetime.date(2025, 1, 1)),  # nothing: the header alone
    ]

    for report_filter in filters:
        assert downloaded(report_filter) == python_writer(report_filter), report_filter
    lines = [downloaded(f).count(b"\r\n") - 1 for f in filters]
    assert lines == [3, 2, 1, 0]


def test_the_dashboard_download_is_the_filtered_report(client, cme_administrator):
    module = new_module()
    complete(learner("Ana", "Lima", "MD"), module, on=datetime.date(2025, 3, 1))
    complete(learner("Bo", "Chen", "DO"), module, on=datetime.date(2025, 4, 1))
    client.force_login(cme_administrator)

    response = client.get(reverse("certificates:dashboard"), {"format": "csv", "profession": "DO"})

    assert response["Content-Disposition"] == 'attachment; filename="cme-completions.csv"'
    body = b"".join(response.streaming_content)
    assert body == python_writer(CompletionFilter(profession="DO"))
    assert body.count(b"\r\n") == 2 and b",Chen,Bo," in body
