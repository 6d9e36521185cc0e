"""Development on one machine: the embedded defaults (SQLite, local Redis, e-mail summarised
on the console and saved under var/mail/).

DEBUG is on unless DJANGO_DEBUG says otherwise; with it off, base.py demands a real
secret key and host list.
"""

import os

os.environ.setdefault("DJANGO_DEBUG", "true")
# Demonstration data: a made-up ACCME provider ID of the right shape, so that the demo's
# PARS records can be written; a real provider sets its own.
os.environ.setdefault("CME_ACCME_PROVIDER_ID", "0000000")
# A summary per e-mail on the console, the messages and attachments saved under var/mail/.
os.environ.setdefault("EMAIL_URL", "devmail://")

from .base import *  # noqa: F403
