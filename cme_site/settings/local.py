"""Development on one machine: the embedded defaults (SQLite, local Redis, console e-mail).

DEBUG is on unless DJANGO_DEBUG says otherwise; with it off, base.py demands a real
secret key and host list.
"""

import os

os.environ.setdefault("DJANGO_DEBUG", "true")

from .base import *  # noqa: F403
