"""The production settings, plus the floor's URL and a static-files folder of the load
test's own. Used only by bench/load/run.py; CME_PLAIN_HTTP=1 is set there."""

from cme_site.settings.production import *  # noqa: F403
from cme_site.settings.production import BASE_DIR

ROOT_URLCONF = "bench.load.floor"
STATIC_ROOT = BASE_DIR / "var" / "load-static"
