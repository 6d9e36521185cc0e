"""Health of the services the site depends on, for load balancers and operators."""

from dataclasses import dataclass

from celery import current_app
from django.db import DatabaseError, connection


@dataclass(frozen=True)
class ServiceState:
    name: str
    ok: bool
    detail: str


def check_database() -> ServiceState:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError as exc:
        return ServiceState("database", ok=False, detail=type(exc).__name__)
    return ServiceState("database", ok=True, detail=connection.vendor)


def check_broker() -> ServiceState:
    """Whether the Celery app's broker accepts a connection (the project's app: Celery's
    `current_app`, set by cme_site/celery.py when Django starts)."""
    try:
        with current_app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
    except Exception as exc:  # any failure means the broker is unusable
        return ServiceState("broker", ok=False, detail=type(exc).__name__)
    return ServiceState("broker", ok=True, detail=conn.transport_cls)


def check_services() -> list[ServiceState]:
    return [check_database(), check_broker()]
