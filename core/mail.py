"""E-mail for development (`bin/run`): a short summary on the console and the whole message
on disk, instead of hundreds of lines of base64 for every certificate PDF."""

import re
import sys
import threading
from pathlib import Path

from django.conf import settings
from django.core.mail.backends.base import BaseEmailBackend
from django.utils import timezone

LINK = re.compile(r"https?://\S+")


class DevelopmentEmailBackend(BaseEmailBackend):
    """Prints one line per message (recipients, subject, attachments, where it was saved),
    then the links in its body (so that a confirmation or password-reset link can be
    followed from the terminal), and saves the message as ``message.eml`` with its body
    and each attachment as files in a folder of its own under ``settings.EMAIL_FILE_PATH``.
    Chosen with ``EMAIL_URL=devmail://`` (bin/run's default)."""

    def __init__(self, *args, stream=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.stream = stream or sys.stdout
        self.folder = Path(settings.EMAIL_FILE_PATH)
        self._lock = threading.Lock()

    def send_messages(self, email_messages) -> int:
        sent = 0
        with self._lock:
            for message in email_messages:
                self._write(message, sent)
                sent += 1
        return sent

    def _write(self, message, index: int) -> None:
        stamp = timezone.now().strftime("%Y%m%d-%H%M%S-%f")
        folder = self.folder / f"{stamp}-{index}"
        folder.mkdir(parents=True, exist_ok=False)
        (folder / "message.eml").write_bytes(message.message().as_bytes(linesep="\n"))
        (folder / "body.txt").write_text(message.body, encoding="utf-8")
        saved = []
        for number, attachment in enumerate(message.attachments, 1):
            name, content = _name_and_content(attachment, number)
            (folder / name).write_bytes(content)
            saved.append(name)
        extra = f", attached: {', '.join(saved)}" if saved else ""
        lines = [
            f"E-mail to {', '.join(message.to)}: “{message.subject}”{extra} (saved in {folder})"
        ]
        lines += [f"    link: {link}" for link in dict.fromkeys(LINK.findall(message.body))]
        self.stream.write("\n".join(lines) + "\n")
        self.stream.flush()


def _name_and_content(attachment, number: int) -> tuple[str, bytes]:
    """A safe file name and the bytes of one attachment (a tuple or a MIME part)."""
    if isinstance(attachment, tuple):
        filename, content = attachment[0], attachment[1]
    else:
        filename, content = attachment.get_filename(), attachment.get_payload(decode=True)
    name = Path(filename or f"attachment-{number}").name or f"attachment-{number}"
    name = re.sub(r"[^\w.\- ]", "_", name)
    if isinstance(content, str):
        content = content.encode("utf-8")
    return name, content or b""
