"""Pages of reporting: the reconciliation page for CME administrators and the PARS
activity data. Thin: they check permissions, validate a form and call one domain
function."""

import io

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.template.defaultfilters import pluralize
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from core.spreadsheets import csv_response, write_xlsx
from reporting import deliveries as domain
from reporting import queries
from reporting.activity_data import activity_data_rows, activity_year_data
from reporting.exceptions import ReportingError
from reporting.forms import ActivityYearForm, BulkActionForm, DeliveryFilterForm
from reporting.registries.transport import send

VIEW_PERMISSION = "reporting.view_delivery"
CHANGE_PERMISSION = "reporting.change_delivery"
PAGE_SIZE = 50
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@permission_required(VIEW_PERMISSION, raise_exception=True)
def delivery_list(request):
    """What is due, waiting, rejected or missed, filtered by registry and status, with the
    bulk actions."""
    today = timezone.localdate()
    form = DeliveryFilterForm(request.GET or None)
    filter = queries.DeliveryFilter()
    if form.is_valid():
        filter = queries.DeliveryFilter(**form.cleaned_data)
    page = Paginator(queries.deliveries(filter, today=today), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "reporting/delivery_list.html",
        {
            "form": form,
            "panels": queries.reconciliation_panels(today=today),
            "page": page,
            "rows": [(delivery, queries.destination(delivery)) for delivery in page],
            "query_string": query.urlencode(),
            "action_form": BulkActionForm(),
            "can_act": request.user.has_perm(CHANGE_PERMISSION),
        },
    )


@require_POST
@permission_required(CHANGE_PERMISSION, raise_exception=True)
def delivery_action(request):
    """Send, refresh or delete the selected deliveries; back to the list with what
    happened."""
    form = BulkActionForm(request.POST)
    back = redirect(f"{reverse('reporting:deliveries')}?{request.POST.get('back', '')}")
    if not form.is_valid():
        for errors in form.errors.values():
            messages.error(request, " ".join(errors))
        return back
    selected = list(form.cleaned_data["deliveries"].order_by("pk"))
    action = form.cleaned_data["action"]
    try:
        if action == BulkActionForm.SEND:
            _send_selected(request, selected)
        elif action == BulkActionForm.DELETE:
            domain.delete_deliveries(selected, by=request.user, reason=form.cleaned_data["reason"])
            messages.success(
                request,
                f"Deleted {len(selected)} deliveries (those already at the registry get a "
                "delete record to send).",
            )
        else:
            changed, refused = domain.refresh_deliveries(selected, by=request.user)
            messages.success(request, f"Refreshed from the profiles: {changed} changed.")
            for message in refused:
                messages.warning(request, message)
    except ReportingError as exc:
        messages.error(request, str(exc))
    return back


def _send_selected(request, selected) -> None:
    by_registry: dict[str, list] = {}
    for delivery in selected:
        by_registry.setdefault(delivery.registry, []).append(delivery)
    for registry, rows in by_registry.items():
        batch = send(registry, rows, by=request.user)
        for refusal in batch.sending.refused:
            messages.warning(request, f"Delivery #{refusal.delivery_id} not sent: {refusal.reason}")
        sent = batch.record_count  # those refused above stay as they were
        messages.success(
            request,
            f"Sent {sent} record{pluralize(sent)} to {rows[0].get_registry_display()} "
            f"(batch #{batch.pk}).",
        )


@permission_required(VIEW_PERMISSION, raise_exception=True)
def activity_data_page(request):
    """PARS activity data for a reporting year (default: last year), as a page, CSV or
    Excel."""
    today = timezone.localdate()
    form = ActivityYearForm(request.GET or None, initial={"year": today.year - 1})
    year = form.cleaned_data["year"] if form.is_valid() else today.year - 1
    file_format = request.GET.get("format", "")
    if form.is_valid() and file_format == "csv":
        return csv_response(
            activity_data_rows(year=year),
            filename=f"pars-activity-data-{year}.csv",
            streaming=False,
        )
    if form.is_valid() and file_format == "xlsx":
        buffer = io.BytesIO()
        write_xlsx(activity_data_rows(year=year), buffer, title=f"Activity data {year}")
        response = HttpResponse(buffer.getvalue(), content_type=XLSX_CONTENT_TYPE)
        response["Content-Disposition"] = f'attachment; filename="pars-activity-data-{year}.xlsx"'
        return response
    return render(
        request,
        "reporting/activity_data.html",
        {"form": form, "year": year, "activities": activity_year_data(year=year)},
    )
