"""Settings for the drills' web servers and workers: production settings exactly
(CME_PLAIN_HTTP=1 allows plain HTTP on loopback), except that `collectstatic` writes to the
drill's own folder (DRILL_STATIC_ROOT) instead of the repository's staticfiles/."""

from cme_site.settings.base import env
from cme_site.settings.production import *  # noqa: F403

STATIC_ROOT = env.path("DRILL_STATIC_ROOT")
