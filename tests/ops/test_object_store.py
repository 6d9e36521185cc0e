"""Certificates through an S3-compatible object store (SeaweedFS on loopback): the worker
that writes a certificate and the web process that serves it are given different local
folders, so the download works only if nothing relies on a shared disk."""

import os
import time
import urllib.error
import urllib.request

import pytest
from django.test import Client
from django.urls import reverse

from certificates.models import Certificate, CertificateStatus
from tests.certificates.conftest import claim, evaluate, pass_post_test
from tests.conftest import REPO, wait_for
from tests.factories import UserFactory, post_test_with_questions
from tests.ops.conftest import (
    Program,
    child_environment,
    free_port,
    wait_until_ping,
    worker_argv,
)

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def files_under(folder) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file())


@pytest.fixture
def web_and_worker(supervise, seaweedfs, ops_queue, tmp_path):
    """gunicorn and a Celery worker under supervisord, both keeping files in the bucket,
    each with a MEDIA_ROOT of its own. Returns a function that starts them with extra
    environment for the web process."""

    def start(**web_env: str):
        port = free_port()
        node = f"cme-store-{os.getpid()}-{port}@localhost"
        media = {name: tmp_path / f"{name}-media" for name in ("web", "worker")}
        for folder in media.values():
            folder.mkdir()
        gunicorn = str(REPO / ".venv" / "bin" / "gunicorn")
        # Each program gets its own MEDIA_ROOT through `env` in its command line.
        programs = [
            Program(
                "web",
                ["env", f"MEDIA_ROOT={media['web']}", *[f"{k}={v}" for k, v in web_env.items()],
                 gunicorn, "cme_site.wsgi:application", "--bind", f"127.0.0.1:{port}",
                 "--workers", "1"],
            ),
            Program(
                "worker",
                ["env", f"MEDIA_ROOT={media['worker']}", *worker_argv(node, ops_queue)],
            ),
        ]  # fmt: skip
        env = child_environment(
            **seaweedfs.storage_environment(), EMAIL_URL=f"filemail:///{tmp_path / 'mail'}"
        )
        supervisor = supervise(programs, env)
        wait_until_ping(node, timeout=60)

        def web_answers() -> bool:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2):
                    return True
            except urllib.error.HTTPError as error:
                error.close()
                return True
            except OSError:
                return False

        wait_for(web_answers, timeout=60, what="gunicorn to answer")
        return f"http://127.0.0.1:{port}", media, supervisor

    return start


def issued_certificate(name: str) -> Certificate:
    post_test = post_test_with_questions(3)
    learner = UserFactory(profile__certificate_name=name)
    pass_post_test(learner, post_test)
    evaluate(learner, post_test.module)
    pending = claim(learner, post_test.module).certificates.get()
    return wait_for(
        lambda: Certificate.objects.filter(pk=pending.pk, emailed_at__isnull=False).first(),
        timeout=90,
        what="the worker to issue the certificate",
    )


def session_cookie(learner) -> str:
    client = Client()
    client.force_login(learner)
    return f"sessionid={client.cookies['sessionid'].value}"


def test_a_certificate_written_by_the_worker_downloads_from_the_web_process_through_the_store(
    web_and_worker, seaweedfs
):
    site, media, _ = web_and_worker()

    certificate = issued_certificate("Yaw Mensah")
    request = urllib.request.Request(
        site + reverse("certificates:download", args=[certificate.pk]),
        headers={"Cookie": session_cookie(certificate.claim.learner)},
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        body = response.read()
        headers = response.headers

    assert certificate.status == CertificateStatus.ISSUED
    assert certificate.pdf.name.startswith("certificates/")
    assert seaweedfs.keys() == [certificate.pdf.name]
    assert body.startswith(b"%PDF-")
    assert headers["Content-Type"] == "application/pdf"
    assert headers["Content-Length"] == str(len(body))
    assert headers["Content-Disposition"] == f'attachment; filename="{certificate.number}.pdf"'
    stored = seaweedfs.client().get_object(Bucket=seaweedfs.bucket, Key=certificate.pdf.name)
    assert stored["Body"].read() == body
    # Neither process wrote anything to its own disk.
    assert files_under(media["web"]) == []
    assert files_under(media["worker"]) == []


def test_with_download_redirect_on_the_browser_is_sent_to_a_signed_url_of_the_store(
    web_and_worker, seaweedfs
):
    site, _, _ = web_and_worker(CME_DOWNLOAD_REDIRECT="true", CME_DOWNLOAD_URL_SECONDS="60")
    certificate = issued_certificate("Li Wei")
    opener = urllib.request.build_opener(NoRedirect)
    request = urllib.request.Request(
        site + reverse("certificates:download", args=[certificate.pk]),
        headers={"Cookie": session_cookie(certificate.claim.learner)},
    )

    with pytest.raises(urllib.error.HTTPError) as redirect:
        opener.open(request, timeout=30)
    redirect.value.close()
    location = redirect.value.headers["Location"]
    body, disposition = fetch_signed(location)

    assert redirect.value.code == 302
    assert location.startswith(f"{seaweedfs.endpoint}/{seaweedfs.bucket}/{certificate.pdf.name}?")
    assert "X-Amz-Signature=" in location
    assert "X-Amz-Expires=60" in location
    assert body.startswith(b"%PDF-")
    assert disposition == f'attachment; filename="{certificate.number}.pdf"'


def fetch_signed(location: str, *, seconds: float = 15) -> tuple[bytes, str]:
    """GET a signed URL of the store: its body and Content-Disposition. A 404 is tried again
    for a few seconds: SeaweedFS's filer can answer a GET for a just-written object before
    its volume lookup has caught up (seen once under heavy load); any other error, or a 404
    that lasts, fails the test."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            with urllib.request.urlopen(location, timeout=30) as signed:
                return signed.read(), signed.headers["Content-Disposition"]
        except urllib.error.HTTPError as error:
            error.close()
            if error.code != 404 or time.monotonic() > deadline:
                raise
            time.sleep(0.5)
