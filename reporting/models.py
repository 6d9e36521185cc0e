"""Deliveries of credit lines to the registries that need them (docs/decisions/0006)."""

from django.conf import settings
from django.db import models


class Registry(models.TextChoices):
    PARS = "pars", "ACCME PARS"
    CPE_MONITOR = "cpe_monitor", "NABP CPE Monitor"


class DeliveryStatus(models.TextChoices):
    WAITING = "waiting", "Waiting for the learner's data"
    READY = "ready", "Ready to send"
    SENT = "sent", "Sent"
    ACCEPTED = "accepted", "Accepted"
    REJECTED = "rejected", "Rejected"
    CORRECTED = "corrected", "Corrected, to send again"
    DELETED = "deleted", "Deleted from the registry"
    MISSED = "missed", "Missed its deadline"


class DeliveryBatch(models.Model):
    """One file (or one web-service call) of records sent to a registry."""

    registry = models.CharField(max_length=20, choices=Registry.choices)
    transport = models.CharField(max_length=10, help_text="file or service")
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    file = models.FileField(upload_to="registry-batches/", blank=True)
    xlsx_file = models.FileField(upload_to="registry-batches/", blank=True)
    record_count = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.get_registry_display()} batch #{self.pk} ({self.record_count} records)"


class Delivery(models.Model):
    """A credit line on its way to a registry: what is sent (`record`, taken from the claim
    and the learner's profile), its status, its deadline and, once answered, the registry's
    reason for a rejection. Changes only through reporting.deliveries."""

    line = models.ForeignKey(
        "certificates.CreditLine", on_delete=models.PROTECT, related_name="deliveries"
    )
    registry = models.CharField(max_length=20, choices=Registry.choices)
    status = models.CharField(
        max_length=20, choices=DeliveryStatus.choices, default=DeliveryStatus.WAITING
    )
    record = models.JSONField(default=dict, help_text="The record as it is (or will be) sent.")
    missing = models.JSONField(
        default=list, blank=True, help_text="What the learner's profile lacks (labels)."
    )
    earliest = models.DateField(
        null=True, blank=True, help_text="Not sent before (ABP: after the evaluation)."
    )
    deadline = models.DateField()
    batch = models.ForeignKey(
        DeliveryBatch, null=True, blank=True, on_delete=models.PROTECT, related_name="deliveries"
    )
    sent_at = models.DateTimeField(null=True, blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)
    reason = models.TextField(blank=True, help_text="The registry's reason for a rejection.")
    delete_after_answer = models.BooleanField(
        default=False,
        db_default=False,
        help_text="Credit withdrawn while the record was at the registry unanswered: a delete "
        "record follows the registry's acceptance; a rejection leaves nothing to delete.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    STATE_FIELDS = (
        "line", "registry", "status", "record", "missing", "earliest", "deadline", "batch",
        "sent_at", "answered_at", "reason", "delete_after_answer",
    )  # fmt: skip

    class Meta:
        ordering = ["deadline", "pk"]
        verbose_name_plural = "deliveries"
        constraints = [
            models.UniqueConstraint(fields=["line", "registry"], name="one_delivery_per_line"),
        ]

    def __str__(self):
        return f"{self.get_registry_display()} delivery of {self.line} ({self.status})"


class DeliveryEvent(models.Model):
    """The history of a delivery: each status it went through, when, why and by whom."""

    delivery = models.ForeignKey(Delivery, on_delete=models.CASCADE, related_name="events")
    status = models.CharField(max_length=20, choices=DeliveryStatus.choices)
    note = models.TextField(blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self):
        return f"{self.delivery_id} {self.status} at {self.at:%Y-%m-%d %H:%M}"


class ResultsImport(models.Model):
    """A registry's results file, as uploaded: kept (with its checksum, so that the same
    file uploaded twice changes nothing the second time) with what it did."""

    registry = models.CharField(max_length=20, choices=Registry.choices)
    sha256 = models.CharField(max_length=64, unique=True)
    file = models.FileField(upload_to="registry-results/")
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)
    summary = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-uploaded_at"]

    def __str__(self):
        return f"{self.get_registry_display()} results of {self.uploaded_at:%Y-%m-%d}"


class DeadlineWarning(models.Model):
    """The daily e-mail warning CME administrators of deliveries due within 7 days and of
    those that missed their deadline: one row per day, so that the task can run twice
    (reporting.warnings.send_deadline_warning) and the e-mail still goes once."""

    day = models.DateField(unique=True)
    sent_at = models.DateTimeField(auto_now_add=True)
    due_count = models.PositiveIntegerField(default=0)
    missed_count = models.PositiveIntegerField(default=0)
    recipients = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-day"]

    def __str__(self):
        return f"Deadline warning of {self.day}"
