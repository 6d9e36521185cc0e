import itertools
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.views.decorators.http import require_POST

from accounts.models import Designation
from accounts.registration import profile_of
from certificates import reports
from certificates.claims import claim_credit, claim_quote, largest_designation
from certificates.evaluations import has_evaluated, has_passed, submit_evaluation
from certificates.exceptions import CreditError
from certificates.exports import completions_csv_response, request_export
from certificates.forms import (
    CertificateLookupForm,
    ClaimForm,
    DateRangeForm,
    EvaluationForm,
    ReasonForm,
)
from certificates.issuance import (
    reissue_certificate,
    render_certificate_pdf,
    revoke_certificate,
    verification_url,
)
from certificates.models import Certificate, CertificateStatus, CreditClaim, ExportJob
from certificates.queries import evaluation_summary, transcript
from certificates.revocation import render_stamped_copy
from core.downloads import respond_with_stored_file
from core.ratelimits import limit_rate
from core.spreadsheets import csv_response
from courses.models import CreditType, Module


def published_module(slug) -> Module:
    return get_object_or_404(Module.objects.published(), slug=slug)


@login_required
def evaluate(request, slug):
    module = published_module(slug)
    if not has_passed(request.user, module):
        messages.error(
            request, "You can evaluate this activity once you have passed its post-test."
        )
        return redirect(module)
    if has_evaluated(request.user, module):  # the next step: claim (or see the certificate)
        return redirect("certificates:claim", slug=module.slug)
    form = EvaluationForm(request.POST or None, objectives=module.objectives.all())
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            submit_evaluation(
                request.user,
                module=module,
                objective_ratings=form.objective_ratings(),
                free_of_commercial_bias=data["free_of_commercial_bias"],
                bias_comment=data["bias_comment"],
                relevance=data["relevance"],
                overall_quality=data["overall_quality"],
                commitment_to_change=data["commitment_to_change"],
            )
        except CreditError as refusal:
            form.add_error(None, str(refusal))
        else:
            messages.success(request, "Thank you for your evaluation.")
            return redirect("certificates:claim", slug=module.slug)
    return render(request, "certificates/evaluation_form.html", {"module": module, "form": form})


@login_required
def claim(request, slug):
    module = published_module(slug)
    existing = CreditClaim.objects.filter(learner=request.user, module=module).first()
    if existing is not None:
        certificate = existing.certificates.exclude(status=CertificateStatus.SUPERSEDED).first()
        return redirect(certificate)
    if not has_passed(request.user, module):
        messages.error(request, "Pass the post-test before you claim credit.")
        return redirect(module)
    if not has_evaluated(request.user, module):
        return redirect("certificates:evaluate", slug=module.slug)
    maximum = largest_designation(module)
    # Amounts for the largest designation on the first view; none until a POST gives hours.
    defaults = claim_quote(request.user, module, hours=maximum if request.method == "GET" else None)
    form = ClaimForm(request.POST or None, quote=defaults, maximum=maximum)
    quote, hours = defaults, maximum
    if request.method == "POST" and form.is_valid():
        hours, chosen = form.cleaned_data["hours"], form.chosen_optional()
        try:
            quote = claim_quote(request.user, module, hours=hours, chosen_optional=chosen)
            if request.POST.get("action") == "claim" and form.amounts_were_seen():
                new_claim = claim_credit(
                    request.user,
                    module=module,
                    hours=hours,
                    attested=form.cleaned_data["attested"],
                    chosen_optional=chosen,
                )
                return redirect(new_claim.certificates.get())
            if request.POST.get("action") == "claim":
                messages.info(request, "Check the amounts for the hours you gave, then claim.")
        except CreditError as refusal:
            form.add_error(None, str(refusal))
    form.data = form.data.copy() if form.is_bound else form.data
    if form.is_bound:
        form.data["reviewed_hours"] = str(hours)
    else:
        form.initial["reviewed_hours"] = hours
    return render(
        request,
        "certificates/creditclaim_form.html",
        {
            "module": module,
            "form": form,
            "quote": quote,
            "hours": hours,
            "designation": profile_of(request.user).designation,
        },
    )


def visible_certificate(request, pk) -> Certificate:
    """The learner's own certificate, or any for CME administrators; otherwise 404."""
    certificates = Certificate.objects.select_related("claim__learner", "superseded_by")
    if not request.user.has_perm("certificates.view_certificate"):
        certificates = certificates.filter(claim__learner=request.user)
    return get_object_or_404(certificates, pk=pk)


@login_required
def detail(request, pk):
    certificate = visible_certificate(request, pk)
    template = "certificates/certificate_detail.html"
    if request.htmx:
        template = "certificates/certificate_status.html"
    return render(
        request,
        template,
        {
            "certificate": certificate,
            "printed": certificate.printed,
            "events": certificate.events.select_related("actor"),
            "can_revoke": request.user.has_perm("certificates.revoke_certificate"),
            "can_fetch_original": request.user.has_perm("certificates.view_certificate"),
            "verification_url": verification_url(certificate),
        },
    )


@login_required
def download(request, pk):
    """The certificate's PDF. A valid certificate downloads as stored. A revoked or
    superseded one downloads as a copy stamped "REVOKED on <date>" or "SUPERSEDED by
    certificate <number>" across it, rendered now from the same fixed data (the stored
    original is never altered: accreditors audit it). A CME administrator may still fetch
    the stored original with `?original=1`; its file name says it is the original of a
    certificate that no longer counts. Still being prepared: 404."""
    certificate = visible_certificate(request, pk)
    if not certificate.pdf:
        raise Http404("This certificate is still being prepared.")
    if certificate.is_issued:
        filename = f"{certificate.number}.pdf"
    elif request.GET.get("original") and request.user.has_perm("certificates.view_certificate"):
        filename = f"{certificate.number}-original-as-issued-now-{certificate.status}.pdf"
    else:
        response = HttpResponse(render_stamped_copy(certificate), content_type="application/pdf")
        filename = f"{certificate.number}-{certificate.status}.pdf"
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response
    return respond_with_stored_file(
        certificate.pdf, filename=filename, content_type="application/pdf"
    )


# Both doors to verification count against one limit, so that guessing through either
# costs the same.
VERIFY_RATE = {"group": "verify-certificate", "rate": "30/m"}

NOT_FOUND = (
    "No certificate has this number or verification code. Check it against the certificate: "
    "numbers look like CME-2026-1A2B3C4D."
)


def certificate_lookup_page(request, form, *, not_found: bool):
    return render(
        request,
        "certificates/certificate_lookup.html",
        {"form": form, "not_found": not_found, "not_found_message": NOT_FOUND},
        status=404 if not_found else 200,
    )


@limit_rate(**VERIFY_RATE)
def verify_lookup(request):
    """The front door to verification (/verify/): a certificate number (any case, spaces
    around it ignored) or verification code leads to the certificate's verification page.
    A number and a code that match nothing get the same answer from the same single query,
    and nothing is ever listed."""
    if "certificate" not in request.GET:
        return certificate_lookup_page(request, CertificateLookupForm(), not_found=False)
    form = CertificateLookupForm(request.GET)
    if not form.is_valid():
        return certificate_lookup_page(request, form, not_found=False)
    text = form.cleaned_data["certificate"]
    certificate = Certificate.objects.filter(
        Q(number__iexact=text) | Q(verification_code=text)
    ).first()
    if certificate is None:
        return certificate_lookup_page(request, form, not_found=True)
    return redirect(certificate.get_verification_path())


@limit_rate(**VERIFY_RATE)
def verify(request, code):
    """Public verification: only what the certificate itself states, and its status. A
    revoked certificate shows the date of revocation but not the reason, which may concern
    the learner's conduct or circumstances and is told to the learner alone (certificate
    page and e-mail); a superseded one links to its replacement's verification page. An
    unknown code (mistyped, say) gets the look-up form, with a 404."""
    certificate = (
        Certificate.objects.select_related("superseded_by").filter(verification_code=code).first()
    )
    if certificate is None:
        form = CertificateLookupForm({"certificate": code})
        form.is_valid()
        return certificate_lookup_page(request, form, not_found=True)
    return render(
        request,
        "certificates/certificate_verify.html",
        {"certificate": certificate, "printed": certificate.printed},
    )


@permission_required("certificates.revoke_certificate", raise_exception=True)
def revoke(request, pk):
    return certificate_action(request, pk, revoke_certificate, "revoked")


@permission_required("certificates.reissue_certificate", raise_exception=True)
def reissue(request, pk):
    return certificate_action(request, pk, reissue_certificate, "re-issued")


def certificate_action(request, pk, action, done):
    certificate = get_object_or_404(Certificate, pk=pk)
    form = ReasonForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            result = action(certificate, by=request.user, reason=form.cleaned_data["reason"])
        except CreditError as refusal:
            form.add_error(None, str(refusal))
        else:
            messages.success(request, f"Certificate {certificate.number} {done}.")
            return redirect(result)
    return render(
        request,
        "certificates/certificate_action.html",
        {"certificate": certificate, "form": form, "action": done},
    )


@login_required
def transcript_page(request):
    form = DateRangeForm(request.GET or None)
    start = end = None
    if form.is_bound and form.is_valid():
        start, end = form.cleaned_data["start"], form.cleaned_data["end"]
    data = transcript(request.user, start=start, end=end)
    export = request.GET.get("format")
    if export == "csv":
        return transcript_csv(request.user, data)
    if export == "pdf":
        html = render_to_string(
            "certificates/pdf/transcript.html",
            {"transcript": data, "learner": request.user, "today": timezone.localdate()},
        )
        pdf = render_certificate_pdf(html, every_glyph=False)  # a record, not a certificate
        response = HttpResponse(pdf, content_type="application/pdf")
        response["Content-Disposition"] = 'attachment; filename="cme-transcript.pdf"'
        return response
    return render(request, "certificates/transcript.html", {"form": form, "transcript": data})


def transcript_csv(learner, data) -> HttpResponse:
    """The transcript as a CSV download, through the site's spreadsheet writer: titles are
    written by authors, so one that starts like a formula is neutralized."""
    header = (
        "Completed on", "Activity", "Credit type", "Credit", "Certificate number", "Status",
        "Reporting",
    )  # fmt: skip
    rows = (
        (
            certificate.claim.completed_on.isoformat(),
            certificate.printed["activity_title"],
            f"{line.name} ({line.detail})" if line.detail else line.name,
            line.amount,
            certificate.number,
            certificate.get_status_display(),
            str(line.status),
        )
        for year in data.years
        for certificate in year.certificates
        for line in certificate.lines_shown
    )
    return csv_response(
        itertools.chain([header], rows), filename="cme-transcript.csv", streaming=False
    )


@permission_required("certificates.view_evaluation", raise_exception=True)
def evaluation_summary_page(request, slug):
    module = get_object_or_404(Module, slug=slug)
    return render(
        request,
        "certificates/evaluation_summary.html",
        {"module": module, "summary": evaluation_summary(module)},
    )


# CME administrators: credit reports and exports --------------------------------------

REPORTS_PERMISSION = "accounts.view_learner_records"


def report_filter(request):
    """The report filter from the query string, and the context its form needs (with the
    errors of any value that could not be read)."""
    report, errors = reports.CompletionFilter.from_query(request.GET)
    return (
        report,
        {
            "errors": errors,
            "query": request.GET,
            "modules": reports.offered_modules(selected=report.module_id),
            "credit_types": CreditType.objects.all(),
            "professions": Designation.choices,
            "query_string": urlencode(report.as_query()),
        },
    )


@permission_required(REPORTS_PERMISSION, raise_exception=True)
def dashboard(request):
    """Who earned which credits: totals for the filter, the completions, and exports."""
    report, context = report_filter(request)
    if request.GET.get("format") == "csv" and not context["errors"]:
        return completions_csv_response(report)
    completions = (
        reports.completions(report)
        .select_related("learner", "module", "credit_type")
        .order_by("-completed_on", "-pk")
    )
    context.update(
        {
            "totals": reports.completion_totals(report),
            "page": Paginator(completions, 50).get_page(request.GET.get("page")),
            "jobs": ExportJob.objects.filter(requested_by=request.user)[:5],
        }
    )
    return render(request, "certificates/credit_dashboard.html", context)


@require_POST
@permission_required(REPORTS_PERMISSION, raise_exception=True)
def request_export_view(request):
    report, errors = reports.CompletionFilter.from_query(request.POST)
    if errors:
        messages.error(request, " ".join(errors.values()))
        return redirect("certificates:dashboard")
    try:
        job = request_export(request.user, kind=request.POST.get("kind", ""), filters=report)
    except ValueError:
        messages.error(request, "Choose a kind of export.")
        return redirect("certificates:dashboard")
    return redirect("certificates:export_job", pk=job.pk)


@permission_required(REPORTS_PERMISSION, raise_exception=True)
def export_job(request, pk):
    job = get_object_or_404(ExportJob, pk=pk, requested_by=request.user)
    template = (
        "certificates/exportjob_status.html"
        if request.htmx
        else "certificates/exportjob_detail.html"
    )
    return render(request, template, {"job": job})


@permission_required(REPORTS_PERMISSION, raise_exception=True)
def export_download(request, pk):
    job = get_object_or_404(ExportJob, pk=pk, requested_by=request.user)
    if not job.file:
        raise Http404("This export has no file yet.")
    extension = {"completions_csv": "csv", "completions_xlsx": "xlsx", "pars": "txt"}[job.kind]
    return respond_with_stored_file(job.file, filename=f"cme-{job.kind}-{job.pk}.{extension}")


@permission_required(REPORTS_PERMISSION, raise_exception=True)
def pars_page(request):
    """The PARS batch for consenting learners: who is missing a required field, and which
    completions' 30-day reporting windows are closing."""
    report, context = report_filter(request)
    due = reports.reporting_window(timezone.localdate()).select_related("learner", "module")
    context.update(
        {
            "missing": reports.missing_pars_fields(report),
            "row_count": reports.pars_row_count(report),
            "due": [(claim, reports.pars_deadline(claim.completed_on)) for claim in due[:200]],
            "columns": [column for column, _ in reports.PARS_COLUMNS],
        }
    )
    return render(request, "certificates/pars.html", context)
