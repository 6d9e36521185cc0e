"""CME administrators' pages for the registries' files: the batches sent (with their
text and Excel files to download), the results files imported, and the upload of a new
results file. Reading needs reporting.view_delivery; uploading results, which changes
deliveries, reporting.change_delivery (both given to CME administrators)."""

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from reporting.models import DeliveryBatch, ResultsImport
from reporting.registries.exceptions import ResultsFileRefused
from reporting.registries.formats import registry_format
from reporting.registries.forms import ResultsUploadForm
from reporting.registries.results import import_results

PAGE_SIZE = 50


def _page(request, form, *, status=200):
    context = {
        "form": form,
        "batches": DeliveryBatch.objects.select_related("created_by")[:PAGE_SIZE],
        "imports": ResultsImport.objects.select_related("uploaded_by")[:PAGE_SIZE],
    }
    return render(request, "reporting/registry_batch_list.html", context, status=status)


@permission_required("reporting.view_delivery", raise_exception=True)
def batch_list(request):
    return _page(request, ResultsUploadForm())


@permission_required("reporting.view_delivery", raise_exception=True)
def batch_download(request, pk, extension):
    batch = get_object_or_404(DeliveryBatch, pk=pk)
    stored = {"txt": batch.file, "xlsx": batch.xlsx_file}.get(extension)
    if not stored:
        raise Http404("This batch has no such file (it was sent by web service).")
    stem = registry_format(batch.registry).FILE_STEM
    return FileResponse(
        stored.open("rb"), as_attachment=True, filename=f"{stem}-{batch.pk}.{extension}"
    )


@require_POST
@permission_required("reporting.change_delivery", raise_exception=True)
def results_upload(request):
    form = ResultsUploadForm(request.POST, request.FILES)
    if form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            results = import_results(
                form.cleaned_data["registry"],
                content=upload.read(),
                file_name=upload.name,
                by=request.user,
            )
        except ResultsFileRefused as refused:
            for problem in refused.problems:
                form.add_error("file", problem)
        else:
            summary = results.summary
            messages.success(
                request,
                f"Results imported: {summary['accepted']} accepted, "
                f"{summary['rejected']} rejected.",
            )
            return redirect("reporting:registries:batches")
    return _page(request, form, status=400)
