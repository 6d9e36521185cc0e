"""Sending deliveries to their registry: one interface, `send`, two transports.

The setting CME_REGISTRY_TRANSPORT chooses:

- `file` (the default): the batch's tab-delimited text and Excel files are written and kept
  on the DeliveryBatch for a CME administrator to download and upload to the registry's
  site; the deliveries are sent when the batch is made. The registry's answers come back
  later through its results file (reporting.registries.results).
- `service`: the records are POSTed as JSON to the registry's web service
  (CME_PARS_SERVICE_URL or CME_CPE_MONITOR_SERVICE_URL, with the API key settings), and
  its answer (accepted or rejected, per record) is applied at once.

Request (POST, `Content-Type: application/json`, `Authorization: Bearer <API key>`):

    PARS:         {"learner_reports": [pars.service_record(...), ...]}
    CPE Monitor:  {"records": [cpe_monitor.service_record(...), ...]}

Response (200): {"results": [{<the record's key>, "status": "accepted" | "rejected",
"reason": "..."}, ...]}, where the key is "record_id" for PARS and "epid", "uan",
"completed_on" for CPE Monitor.

No registry can be reached from this project's machines: the service clients are tested
against a local HTTP server that speaks these shapes (tests/reporting/fake_registry.py).

A registry that is down (connection refused, timeout, a 5xx answer) or that refuses the
request as a whole (4xx): RegistryUnavailable is raised, no batch is created and nothing is
marked sent, so the next run sends the same deliveries again.
"""

import dataclasses
import json
import logging
import tempfile
import urllib.error
import urllib.request
from collections.abc import Iterable

from django.conf import settings
from django.core.files import File
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from reporting import deliveries as delivery_life
from reporting.models import Delivery, DeliveryBatch
from reporting.registries.columns import RecordRefused, Refusal, format_record, write_registry_files
from reporting.registries.exceptions import RegistryError, RegistryUnavailable
from reporting.registries.formats import registry_format

logger = logging.getLogger(__name__)

FILE = "file"
SERVICE = "service"
TRANSPORTS = (FILE, SERVICE)
MAX_ANSWER_BYTES = 20 * 1024 * 1024


class NothingToSend(RegistryError):
    """No delivery could go into a batch; `refused` says why for each one considered."""

    def __init__(self, message: str, refused: list[Refusal]):
        self.refused = refused
        super().__init__(message)


@dataclasses.dataclass
class Sending:
    """What `send` did besides the batch: records left out (with why) and, for the web
    service, answers it could not apply (their deliveries stay sent, to be answered by a
    results file)."""

    refused: list[Refusal] = dataclasses.field(default_factory=list)
    unanswered: list[str] = dataclasses.field(default_factory=list)


def send(registry: str, deliveries: Iterable[Delivery], *, by: User | None) -> DeliveryBatch:
    """Send `deliveries` (ready or corrected, for `registry`) by the transport the setting
    CME_REGISTRY_TRANSPORT names, as one DeliveryBatch; mark them sent (reporting.
    deliveries.mark_sent) and, by web service, record the registry's answers.

    Deliveries that cannot go today (not ready, before their earliest day, past a refusing
    registry's deadline, or with a value the registry would not take) are left as they are
    and listed in `batch.sending.refused`.

    Raises NothingToSend when no delivery can go (no batch then); RegistryUnavailable when
    the web service is down or refuses the request (no batch, nothing marked sent);
    ValueError for an unknown registry or transport.
    """
    transport = settings.CME_REGISTRY_TRANSPORT
    if transport not in TRANSPORTS:
        raise ValueError(f"CME_REGISTRY_TRANSPORT must be file or service, not {transport!r}.")
    registry_format(registry)
    ids = [delivery.pk for delivery in deliveries]
    if transport == SERVICE:
        return _send_by_service(registry, ids, by=by)
    return _send_as_file(registry, ids, by=by)


def _sendable(registry: str, ids: list[int]) -> tuple[list[Delivery], list[Refusal]]:
    """The deliveries that may go today, locked, and why the others may not."""
    today = timezone.localdate()
    rows = list(
        Delivery.objects.select_for_update()
        .select_related("line")
        .filter(pk__in=ids)
        .order_by("pk")
    )
    sendable, refused = [], []
    for row in rows:
        problem = delivery_life.send_problem(row, today=today)
        if not problem and row.registry != registry:
            problem = f"Delivery #{row.pk} is for {row.get_registry_display()}."
        if problem:
            refused.append(Refusal(row.pk, problem))
        else:
            sendable.append(row)
    return sendable, refused


def record_of(delivery: Delivery) -> dict:
    """The record sent for `delivery`: its stored record, with its number as delivery_id."""
    return {**delivery.record, "delivery_id": delivery.pk}


def _nothing(registry: str, refused: list[Refusal]) -> NothingToSend:
    name = registry_format(registry).NAME
    return NothingToSend(f"No delivery could be sent to {name}.", refused)


# By file ------------------------------------------------------------------------------


def _send_as_file(registry: str, ids: list[int], *, by: User | None) -> DeliveryBatch:
    layout = registry_format(registry)
    stored: list[str] = []
    try:
        with transaction.atomic():
            rows, refused = _sendable(registry, ids)
            if not rows:
                raise _nothing(registry, refused)
            batch = DeliveryBatch.objects.create(registry=registry, transport=FILE, created_by=by)
            with tempfile.TemporaryFile() as tsv, tempfile.TemporaryFile() as xlsx:
                written = write_registry_files(
                    layout.COLUMNS,
                    (record_of(row) for row in rows),
                    tsv=tsv,
                    xlsx=xlsx,
                    title=layout.SHEET_TITLE,
                )
                refused += written.refused
                if not written.count:
                    raise _nothing(registry, refused)
                tsv.seek(0)
                xlsx.seek(0)
                stem = f"{layout.FILE_STEM}-{batch.pk}"
                batch.file.save(f"{stem}.txt", File(tsv), save=False)
                stored.append(batch.file.name)
                batch.xlsx_file.save(f"{stem}.xlsx", File(xlsx), save=False)
                stored.append(batch.xlsx_file.name)
            batch.record_count = written.count
            batch.save(update_fields=["file", "xlsx_file", "record_count"])
            refused_ids = written.refused_ids
            delivery_life.mark_sent([r for r in rows if r.pk not in refused_ids], batch, by=by)
    except BaseException:
        storage = DeliveryBatch._meta.get_field("file").storage
        for name in stored:
            storage.delete(name)
        raise
    batch.sending = Sending(refused=refused)
    return batch


# By web service -----------------------------------------------------------------------

SERVICE_SETTINGS = {
    "pars": ("CME_PARS_SERVICE_URL", "CME_PARS_API_KEY"),
    "cpe_monitor": ("CME_CPE_MONITOR_SERVICE_URL", "CME_CPE_MONITOR_API_KEY"),
}


def _send_by_service(registry: str, ids: list[int], *, by: User | None) -> DeliveryBatch:
    layout = registry_format(registry)
    url_setting, key_setting = SERVICE_SETTINGS[registry]
    url, api_key = getattr(settings, url_setting), getattr(settings, key_setting)
    if not url:
        raise RegistryUnavailable(
            f"{url_setting} is not set: the {layout.NAME} web service cannot be reached. "
            "Nothing was marked sent."
        )
    with transaction.atomic():
        # The deliveries stay locked while the registry answers (bounded by
        # CME_REGISTRY_TIMEOUT), so that no other run sends them twice.
        rows, refused = _sendable(registry, ids)
        records, going = [], []
        for row in rows:
            record = record_of(row)
            try:
                format_record(layout.COLUMNS, record)
            except RecordRefused as problem:
                refused.append(Refusal(row.pk, str(problem)))
                continue
            records.append(record)
            going.append(row)
        if not records:
            raise _nothing(registry, refused)
        answer = post_json(
            url,
            layout.service_request(records),
            api_key=api_key,
            timeout=settings.CME_REGISTRY_TIMEOUT,
            name=layout.NAME,
        )
        batch = DeliveryBatch.objects.create(
            registry=registry, transport=SERVICE, created_by=by, record_count=len(records)
        )
        delivery_life.mark_sent(going, batch, by=by)
        sending = Sending(refused=refused)
        by_key = {layout.record_key(record_of(row)): row for row in going}
        answered = set()
        for result in _results_of(answer, layout.NAME, sending):
            key = layout.answer_key(result)
            row = by_key.get(key)
            status = str(result.get("status", "")).strip().lower()
            if row is None or key in answered:
                sending.unanswered.append(f"{layout.NAME} answered for an unknown record {key}.")
                continue
            if status not in ("accepted", "rejected"):
                sending.unanswered.append(
                    f"{layout.NAME} answered {status!r} for delivery #{row.pk}."
                )
                continue
            reason = str(result.get("reason") or "").strip()
            if status == "rejected" and not reason:
                reason = f"rejected by {layout.NAME} without a reason"
            delivery_life.record_result(row, accepted=status == "accepted", reason=reason, by=by)
            answered.add(key)
        missing = [row.pk for key, row in by_key.items() if key not in answered]
        if missing:
            sending.unanswered.append(
                f"{layout.NAME} gave no answer for deliveries "
                f"{', '.join(f'#{pk}' for pk in missing)}: they stay sent; import the "
                "registry's results file to answer them."
            )
    for problem in sending.unanswered:
        logger.warning("Batch %s: %s", batch.pk, problem)
    batch.sending = sending
    return batch


def _results_of(answer, name: str, sending: Sending) -> list[dict]:
    results = answer.get("results") if isinstance(answer, dict) else None
    if not isinstance(results, list) or not all(isinstance(r, dict) for r in results):
        sending.unanswered.append(f"{name}'s answer did not list results per record.")
        return []
    return results


def post_json(url: str, body: dict, *, api_key: str, timeout: float, name: str):
    """POST `body` as JSON to `url` and return the decoded JSON answer (None when the
    answer is not JSON). Raises RegistryUnavailable, with a sentence naming the registry
    (`name`), for a connection refused, a timeout, a 5xx answer or a 4xx refusal."""
    # The URL comes from the settings (http or https), never from a user.
    request = urllib.request.Request(  # noqa: S310
        url,
        data=json.dumps(body).encode(),
        method="POST",
        headers={
            "Content-Type": "application/json",
            "Accept": "application/json",
            "Authorization": f"Bearer {api_key}",
        },
    )
    after = "Nothing was marked sent; the next run sends these records again."
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            content = response.read(MAX_ANSWER_BYTES)
    except urllib.error.HTTPError as error:
        error.close()
        if error.code >= 500:
            raise RegistryUnavailable(
                f"{name} answered with a server error ({error.code}). {after}"
            ) from error
        raise RegistryUnavailable(
            f"{name} refused the request ({error.code} {error.reason}); check the API key "
            f"and the service address. {after}"
        ) from error
    except TimeoutError as error:
        raise RegistryUnavailable(
            f"{name} did not answer within {timeout:g} seconds. {after}"
        ) from error
    except urllib.error.URLError as error:
        if isinstance(error.reason, TimeoutError):
            raise RegistryUnavailable(
                f"{name} did not answer within {timeout:g} seconds. {after}"
            ) from error
        reason = getattr(error.reason, "strerror", None) or error.reason
        raise RegistryUnavailable(f"{name} could not be reached ({reason}). {after}") from error
    except OSError as error:
        reason = error.strerror or error
        raise RegistryUnavailable(f"{name} could not be reached ({reason}). {after}") from error
    try:
        return json.loads(content)
    except (UnicodeDecodeError, json.JSONDecodeError):
        return None
