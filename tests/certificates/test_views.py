import datetime
import io
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone
from django.utils.dateformat import format as format_date
from pypdf import PdfReader

from certificates.issuance import issue_certificate, reissue_certificate, revoke_certificate
from certificates.models import CertificateStatus, CreditClaim, Evaluation
from core.formats import format_day
from tests.certificates.conftest import claim, evaluate, pass_post_test
from tests.factories import UserFactory, post_test_with_questions

pytestmark = pytest.mark.django_db


@pytest.fixture
def issued_certificate(evaluated_learner, module):
    certificate = claim(evaluated_learner, module).certificates.get()
    return issue_certificate(certificate.pk)


def test_the_evaluation_page_records_the_evaluation_and_leads_to_the_claim(
    client, passed_learner, module
):
    client.force_login(passed_learner)
    objective = module.objectives.get()

    response = client.post(
        reverse("certificates:evaluate", kwargs={"slug": module.slug}),
        {
            f"objective-{objective.pk}": "4",
            "free_of_commercial_bias": "yes",
            "relevance": "5",
            "overall_quality": "4",
            "commitment_to_change": "",
        },
    )

    assert response.url == reverse("certificates:claim", kwargs={"slug": module.slug})
    assert Evaluation.objects.get().ratings.get().rating == 4


def test_a_biased_answer_without_comment_reshows_the_form_and_saves_nothing(
    client, passed_learner, module
):
    client.force_login(passed_learner)
    objective = module.objectives.get()

    response = client.post(
        reverse("certificates:evaluate", kwargs={"slug": module.slug}),
        {
            f"objective-{objective.pk}": "4",
            "free_of_commercial_bias": "no",
            "relevance": "5",
            "overall_quality": "4",
        },
    )

    assert response.status_code == 200
    assert "Tell us where you saw commercial bias." in response.content.decode()
    assert not Evaluation.objects.exists()


def test_the_claim_page_sends_a_learner_who_has_not_evaluated_to_the_evaluation(
    client, passed_learner, module
):
    client.force_login(passed_learner)

    response = client.get(reverse("certificates:claim", kwargs={"slug": module.slug}))

    assert response.url == reverse("certificates:evaluate", kwargs={"slug": module.slug})


def test_claiming_through_the_page_leads_to_the_certificate_being_prepared(
    client, evaluated_learner, module, django_capture_on_commit_callbacks, sent_tasks
):
    client.force_login(evaluated_learner)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("certificates:claim", kwargs={"slug": module.slug}),
            {"hours": "0.25", "reviewed_hours": "0.25", "attested": "on", "action": "claim"},
            follow=True,
        )

    html = response.content.decode()
    assert "Your certificate is being prepared." in html
    assert 'hx-trigger="every 2s"' in html
    assert ">Refresh</a>" in html  # works without JavaScript too
    assert CreditClaim.objects.get().amount == Decimal("0.25")


def test_an_amount_off_the_grid_is_refused_on_the_page_with_a_message(
    client, evaluated_learner, module
):
    client.force_login(evaluated_learner)

    response = client.post(
        reverse("certificates:claim", kwargs={"slug": module.slug}),
        {"hours": "0.20", "reviewed_hours": "0.20", "attested": "on", "action": "claim"},
    )

    assert response.status_code == 200
    assert "Credit is claimed in steps of 0.25" in response.content.decode()
    assert not CreditClaim.objects.exists()


def test_the_certificate_status_partial_offers_the_download_once_issued(client, issued_certificate):
    client.force_login(issued_certificate.claim.learner)

    response = client.get(issued_certificate.get_absolute_url(), HTTP_HX_REQUEST="true")

    html = response.content.decode()
    assert "<html" not in html
    assert "Download certificate (PDF)" in html
    assert "hx-trigger" not in html


def test_the_owner_downloads_the_stored_pdf(client, issued_certificate):
    client.force_login(issued_certificate.claim.learner)

    response = client.get(reverse("certificates:download", kwargs={"pk": issued_certificate.pk}))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content).startswith(b"%PDF")
    response.close()


def test_another_learner_cannot_see_or_download_the_certificate(client, issued_certificate):
    client.force_login(UserFactory())

    for name in ("certificates:detail", "certificates:download"):
        response = client.get(reverse(name, kwargs={"pk": issued_certificate.pk}))
        assert response.status_code == 404


def test_an_author_cannot_download_a_learners_certificate(
    client, issued_certificate, course_author
):
    client.force_login(course_author)

    url = reverse("certificates:download", kwargs={"pk": issued_certificate.pk})
    assert client.get(url).status_code == 404


def test_a_cme_administrator_can_download_any_certificate(
    client, issued_certificate, cme_administrator
):
    client.force_login(cme_administrator)

    response = client.get(reverse("certificates:download", kwargs={"pk": issued_certificate.pk}))

    assert response.status_code == 200
    response.close()


def test_anonymous_downloads_are_sent_to_log_in(client, issued_certificate):
    response = client.get(reverse("certificates:download", kwargs={"pk": issued_certificate.pk}))

    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))


def verify(client, certificate):
    return client.get(certificate.get_verification_path()).content.decode()


def test_verification_shows_a_valid_certificate_and_nothing_else_about_the_learner(
    client, issued_certificate
):
    learner = issued_certificate.claim.learner
    html = verify(client, issued_certificate)

    assert ">Valid</span>" in html
    assert issued_certificate.printed["learner_name"] in html
    assert issued_certificate.number in html
    assert learner.email not in html
    assert "NPI" not in html


def test_verification_of_a_revoked_certificate_says_revoked(
    client, issued_certificate, cme_administrator
):
    revoke_certificate(issued_certificate, by=cme_administrator, reason="Issued in error.")

    html = verify(client, issued_certificate)

    assert ">Revoked</span>" in html
    assert ">Valid</span>" not in html
    assert (
        f"revoked by Demo CME Provider on {today_as_printed()} and no longer attests credit."
    ) in html
    assert "Issued in error." not in html  # the reason is the learner's, not the public's


def test_verification_of_a_superseded_certificate_names_its_successor(
    client, issued_certificate, cme_administrator, sent_tasks
):
    new = reissue_certificate(issued_certificate, by=cme_administrator, reason="Name fixed.")

    html = verify(client, issued_certificate)

    assert ">Superseded</span>" in html
    assert f'<a href="{new.get_verification_path()}">verify certificate {new.number}</a>' in html


def test_an_unknown_verification_code_is_not_found(client):
    assert client.get(reverse("certificates:verify", kwargs={"code": "nope"})).status_code == 404


def test_verification_is_rate_limited_against_enumeration(client):
    cache.clear()
    statuses = [
        client.get(reverse("certificates:verify", kwargs={"code": f"guess{n}"})).status_code
        for n in range(35)
    ]
    cache.clear()

    assert statuses[:30] == [404] * 30
    assert set(statuses[30:]) == {429}


def test_verification_still_answers_when_the_cache_is_down(client, issued_certificate, settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",
        }
    }

    assert ">Valid</span>" in verify(client, issued_certificate)


@pytest.mark.parametrize("user_fixture", ["learner", "course_author"])
def test_only_administrators_revoke_or_reissue(client, request, issued_certificate, user_fixture):
    client.force_login(request.getfixturevalue(user_fixture))

    for name in ("certificates:revoke", "certificates:reissue"):
        url = reverse(name, kwargs={"pk": issued_certificate.pk})
        assert client.post(url, {"reason": "x"}).status_code == 403
    issued_certificate.refresh_from_db()
    assert issued_certificate.status == CertificateStatus.ISSUED


def test_an_administrator_revokes_with_a_reason_shown_in_the_audit_trail(
    client, issued_certificate, cme_administrator
):
    client.force_login(cme_administrator)

    response = client.post(
        reverse("certificates:revoke", kwargs={"pk": issued_certificate.pk}),
        {"reason": "Learner asked: claimed by mistake."},
        follow=True,
    )

    html = response.content.decode()
    assert f"Certificate {issued_certificate.number} revoked." in html
    assert "Revoked by cme-admin@example.com — “Learner asked: claimed by mistake.”" in html


def make_certificate(learner, *, completed_on, amount="0.25", max_credits="1.00"):
    post_test = post_test_with_questions(5)
    offering = post_test.module.credits.get()
    offering.max_credits = Decimal(max_credits)
    offering.save()
    pass_post_test(learner, post_test)
    evaluate(learner, post_test.module)
    new_claim = claim(learner, post_test.module, amount=amount)
    CreditClaim.objects.filter(pk=new_claim.pk).update(completed_on=completed_on)
    return issue_certificate(new_claim.certificates.get().pk)


def test_the_transcript_groups_by_year_with_totals_and_filters_by_range(client, learner):
    make_certificate(learner, completed_on=datetime.date(2025, 3, 1), amount="0.75")
    make_certificate(learner, completed_on=datetime.date(2025, 11, 30), amount="0.50")
    make_certificate(learner, completed_on=datetime.date(2026, 2, 14), amount="1.00")
    client.force_login(learner)

    everything = client.get(reverse("certificates:transcript")).context["transcript"]
    in_2025 = client.get(
        reverse("certificates:transcript"), {"start": "2025-01-01", "end": "2025-12-31"}
    ).context["transcript"]

    credit = "AMA PRA Category 1 Credit™"
    assert [(y.year, y.totals[credit]) for y in everything.years] == [
        (2026, Decimal("1.00")),
        (2025, Decimal("1.25")),
    ]
    assert everything.totals == {credit: Decimal("2.25")}
    assert [y.year for y in in_2025.years] == [2025]
    assert in_2025.totals == {credit: Decimal("1.25")}


def test_revoked_credit_is_listed_but_not_counted(client, learner, cme_administrator):
    kept = make_certificate(learner, completed_on=datetime.date(2025, 3, 1), amount="0.75")
    revoked = make_certificate(learner, completed_on=datetime.date(2025, 4, 1), amount="0.50")
    revoke_certificate(revoked, by=cme_administrator, reason="Duplicate.")
    client.force_login(learner)

    response = client.get(reverse("certificates:transcript"))

    assert response.context["transcript"].totals == {"AMA PRA Category 1 Credit™": Decimal("0.75")}
    html = response.content.decode()
    revoked_on = timezone.localdate()
    assert kept.number in html
    assert (
        f"{revoked.number}</a> (revoked on {revoked_on:%d %B %Y}; not counted)".replace(" 0", " ")
        in html
    )
    pdf = client.get(reverse("certificates:transcript"), {"format": "pdf"}).content
    assert f"{revoked.number} (revoked on {format_day(revoked_on)}; not counted)" in pdf_text(pdf)
    csv_text = body_of(client.get(reverse("certificates:transcript"), {"format": "csv"})).decode()
    assert csv_text.splitlines()[1].endswith(f",{revoked.number},Revoked,")


def test_the_transcript_downloads_as_csv_and_pdf(client, learner):
    certificate = make_certificate(learner, completed_on=datetime.date(2025, 3, 1))
    client.force_login(learner)

    csv_file = client.get(reverse("certificates:transcript"), {"format": "csv"})
    csv_text = csv_file.content.decode().removeprefix("\ufeff")  # the byte-order mark
    pdf = client.get(reverse("certificates:transcript"), {"format": "pdf"})

    assert csv_text.splitlines()[0] == (
        "Completed on,Activity,Credit type,Credit,Certificate number,Status,Reporting"
    )
    assert f"2025-03-01,{certificate.printed['activity_title']}," in csv_text
    assert pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")


def test_a_reversed_date_range_says_so(client, learner):
    client.force_login(learner)

    response = client.get(
        reverse("certificates:transcript"), {"start": "2026-01-01", "end": "2025-01-01"}
    )

    assert "The start date is after the end date." in response.content.decode()


def today_as_printed() -> str:
    return format_date(timezone.localdate(), "j F Y")


def pdf_text(pdf: bytes) -> str:
    reader = PdfReader(io.BytesIO(pdf))
    return " ".join(" ".join(page.extract_text() for page in reader.pages).split())


@pytest.fixture
def revoked_certificate(issued_certificate, cme_administrator):
    return revoke_certificate(
        issued_certificate, by=cme_administrator, reason="Claimed on a colleague's account."
    )


def download(client, certificate, **query):
    response = client.get(reverse("certificates:download", kwargs={"pk": certificate.pk}), query)
    return response, body_of(response)


def body_of(response) -> bytes:
    """The whole body of a response, streamed or not (the test client closes a streamed
    response, and its file, once it is read to the end)."""
    if not response.streaming:
        return response.content
    return b"".join(response.streaming_content)


def test_the_owner_of_a_revoked_certificate_downloads_a_copy_stamped_revoked(
    client, revoked_certificate
):
    client.force_login(revoked_certificate.claim.learner)

    response, content = download(client, revoked_certificate)

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == (
        f'attachment; filename="{revoked_certificate.number}-revoked.pdf"'
    )
    assert f"REVOKED on {today_as_printed()}. This copy attests no credit." in pdf_text(content)


def test_only_an_administrator_fetches_the_original_of_a_revoked_certificate(
    client, revoked_certificate, cme_administrator
):
    with revoked_certificate.pdf.open("rb") as handle:
        original = handle.read()

    client.force_login(revoked_certificate.claim.learner)
    _, learners_copy = download(client, revoked_certificate, original="1")
    client.force_login(cme_administrator)
    response, administrators_copy = download(client, revoked_certificate, original="1")

    assert "REVOKED on" in pdf_text(learners_copy)
    assert administrators_copy == original
    assert (
        f"{revoked_certificate.number}-original-as-issued-now-revoked.pdf"
        in response["Content-Disposition"]
    )


def test_the_certificate_page_says_when_and_why_it_was_revoked(client, revoked_certificate):
    client.force_login(revoked_certificate.claim.learner)

    html = client.get(revoked_certificate.get_absolute_url()).content.decode()

    assert f"This certificate was revoked on {today_as_printed()}." in html
    assert "Reason: Claimed on a colleague&#x27;s account." in html
    assert "Download a copy marked as revoked (PDF)" in html
    assert "Download certificate (PDF)" not in html
    assert "Original as issued" not in html  # administrators only


def test_a_superseded_certificate_page_links_to_its_replacement_and_a_stamped_copy(
    client, issued_certificate, cme_administrator, sent_tasks
):
    new = reissue_certificate(issued_certificate, by=cme_administrator, reason="Name fixed.")
    client.force_login(issued_certificate.claim.learner)

    html = client.get(issued_certificate.get_absolute_url()).content.decode()
    _, content = download(client, issued_certificate)

    assert (
        f'<a class="alert-link" href="{new.get_absolute_url()}">'
        f"See the certificate that replaces it ({new.number})</a>"
    ) in html
    assert f"SUPERSEDED by certificate {new.number}." in pdf_text(content)


def test_the_catalog_and_the_module_page_say_the_credit_was_revoked(
    client, issued_certificate, cme_administrator, module
):
    learner = issued_certificate.claim.learner
    client.force_login(learner)
    catalog_before = client.get(reverse("courses:catalog")).content.decode()
    revoke_certificate(issued_certificate, by=cme_administrator, reason="Duplicate.")

    catalog = client.get(reverse("courses:catalog")).content.decode()
    page = client.get(module.get_absolute_url()).content.decode()

    assert '<span class="badge text-bg-primary">Credit claimed</span>' in catalog_before
    assert '<span class="badge text-bg-danger">Credit revoked</span>' in catalog
    assert "Credit claimed" not in catalog
    assert '<span class="badge text-bg-danger">Credit revoked</span>' in page


def test_the_claim_page_shows_each_line_with_its_amount_before_the_learner_confirms(
    client, evaluated_learner, module
):
    """Changing the hours and pressing "Claim credit" at once claims nothing: the learner
    first sees the amounts for those hours."""
    from tests.certificates.conftest import offer_second_credit_type

    moc = offer_second_credit_type(module)
    module.credits.exclude(pk=moc.pk).update(max_credits=Decimal("0.50"))
    moc.max_credits = Decimal("0.50")
    moc.save()
    evaluated_learner.profile.board_ids.create(board="ABIM", identifier="123456")
    client.force_login(evaluated_learner)
    url = reverse("certificates:claim", kwargs={"slug": module.slug})

    shown = " ".join(client.get(url).content.decode().split())
    unseen = client.post(
        url,
        {"hours": "0.25", "reviewed_hours": "0.50", "optional": [moc.pk], "attested": "on",
         "action": "claim"},
    )  # fmt: skip
    reviewed = " ".join(unseen.content.decode().split())

    assert "0.5 AMA PRA Category 1 Credit™" in shown
    assert "0.5 ABIM MOC point (Medical Knowledge)" in shown
    assert not CreditClaim.objects.exists()
    assert "Check the amounts for the hours you gave, then claim." in reviewed
    assert "0.25 AMA PRA Category 1 Credit™" in reviewed
    assert 'name="reviewed_hours" value="0.25"' in reviewed

    client.post(
        url,
        {"hours": "0.25", "reviewed_hours": "0.25", "optional": [moc.pk], "attested": "on",
         "action": "claim"},
    )  # fmt: skip

    lines = CreditClaim.objects.get().lines.all()
    assert [(line.snapshot["label"], line.amount) for line in lines] == [
        ("AMA PRA Category 1 Credit™", Decimal("0.25")),
        ("ABIM MOC point (Medical Knowledge)", Decimal("0.25")),
    ]


def test_the_claim_page_says_which_identifier_a_line_needs_and_links_to_the_profile(
    client, evaluated_learner, module
):
    from tests.certificates.conftest import offer_second_credit_type

    offer_second_credit_type(module)
    client.force_login(evaluated_learner)

    response = client.post(
        reverse("certificates:claim", kwargs={"slug": module.slug}),
        {"hours": "0.25", "reviewed_hours": "0.25", "optional": [module.credits.last().pk],
         "action": "review"},
    )  # fmt: skip

    html = " ".join(response.content.decode().split())
    assert "To report this credit we need your ABIM ID:" in html
    assert "/accounts/profile/?focus=board_id&amp;board=ABIM" in html


def test_the_transcript_shows_each_line_and_what_became_of_its_report(client, module):
    """A pharmacist without an NABP e-Profile ID sees the ACPE line waiting for it, with a
    link to the profile field (the reporting app says so through register_line_status)."""
    from decimal import Decimal

    from courses.credit_kinds import ACPE_CONTACT_HOURS, standard_kind
    from courses.models import ModuleCredit
    from tests.certificates.conftest import claim, evaluate, pass_post_test
    from tests.factories import UserFactory

    ModuleCredit.objects.create(
        module=module, credit_type=standard_kind(ACPE_CONTACT_HOURS), max_credits=Decimal("0.25"),
        uan="JA4008162-0000-26-123-H01-P",
    )  # fmt: skip
    pharmacist = UserFactory(profile__designation="PharmD")
    pass_post_test(pharmacist, module.post_test)
    evaluate(pharmacist, module)
    claim(pharmacist, module)
    client.force_login(pharmacist)

    page = " ".join(client.get(reverse("certificates:transcript")).content.decode().split())
    csv_text = client.get(reverse("certificates:transcript"), {"format": "csv"}).content.decode()

    assert "0.25 ACPE contact hour" in page
    assert "Waiting for your NABP e-Profile ID" in page
    assert "/accounts/profile/?focus=nabp_epid" in page
    assert "0.25 ACPE contact hour (UAN JA4008162-0000-26-123-H01-P)" in page
    assert "ACPE contact hour (UAN JA4008162-0000-26-123-H01-P),0.25," in csv_text
    assert "Waiting for your NABP e-Profile ID" in csv_text


def test_the_certificate_and_verification_pages_list_every_credit_line(client, module):
    """A nurse practitioner who adds AMA credit to the ANCC contact hours sees both lines on
    the certificate page, as the PDF prints them, and the public verification page lists
    both too (the pages used to show only the claim's first credit type)."""
    from courses.credit_kinds import ANCC_CONTACT_HOURS, standard_kind
    from courses.models import ModuleCredit
    from tests.certificates.conftest import claim, evaluate, pass_post_test

    ModuleCredit.objects.create(
        module=module, credit_type=standard_kind(ANCC_CONTACT_HOURS), max_credits=Decimal("1.00")
    )
    ama = module.credits.get(credit_type__code="ama-pra-category-1")
    nurse = UserFactory(profile__designation="NP")
    pass_post_test(nurse, module.post_test)
    evaluate(nurse, module)
    certificate = claim(nurse, module, chosen_optional={ama.pk}).certificates.get()
    client.force_login(nurse)

    detail = client.get(reverse("certificates:detail", kwargs={"pk": certificate.pk}))
    verification = client.get(certificate.get_verification_path())

    lines = ["<li>0.25 AMA PRA Category 1 Credit™</li>", "<li>0.25 ANCC contact hour</li>"]
    for response in (detail, verification):
        assert response.status_code == 200
        html = response.content.decode()
        assert all(line in html for line in lines), html
