"""Development e-mail: one line per message, the message and attachments saved to disk."""

import io

import pytest
from django.core.mail import EmailMessage

from core.mail import DevelopmentEmailBackend


@pytest.fixture
def mail_folder(settings, tmp_path):
    settings.EMAIL_FILE_PATH = tmp_path / "mail"
    return settings.EMAIL_FILE_PATH


def test_a_certificate_e_mail_is_one_line_and_its_pdf_is_saved_as_a_file(mail_folder):
    stream = io.StringIO()
    pdf = b"%PDF-1.7\n" + bytes(range(256)) * 400
    message = EmailMessage(
        subject="Your CME certificate: Itch & scratch",
        body="Hello Siobhán,\nVerify it at http://127.0.0.1:8000/verify/abc/ any time.\n",
        to=["siobhan@example.com"],
    )
    message.attach("CME-2026-0001.pdf", pdf, "application/pdf")

    sent = DevelopmentEmailBackend(stream=stream).send_messages([message])

    (folder,) = mail_folder.iterdir()
    printed = stream.getvalue().splitlines()
    assert sent == 1
    assert printed == [
        "E-mail to siobhan@example.com: “Your CME certificate: Itch & scratch”, attached: "
        f"CME-2026-0001.pdf (saved in {folder})",
        "    link: http://127.0.0.1:8000/verify/abc/",
    ]
    assert (folder / "CME-2026-0001.pdf").read_bytes() == pdf
    assert (folder / "body.txt").read_text(encoding="utf-8").startswith("Hello Siobhán,")
    assert b"Subject: Your CME certificate" in (folder / "message.eml").read_bytes()


def test_an_attachment_name_cannot_leave_the_folder(mail_folder):
    message = EmailMessage(subject="x", body="y", to=["a@example.com"])
    message.attach("../../evil.sh", b"#!/bin/sh\n", "text/plain")

    DevelopmentEmailBackend(stream=io.StringIO()).send_messages([message])

    (folder,) = mail_folder.iterdir()
    assert [p.name for p in sorted(folder.iterdir())] == ["body.txt", "evil.sh", "message.eml"]
    assert not (mail_folder.parent / "evil.sh").exists()
