import json
import secrets
from pathlib import Path

from django.conf import settings
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand
from django.db import transaction

from accounts.emails import record_confirmed_email
from accounts.models import User
from accounts.registration import profile_of
from accounts.roles import CME_ADMINISTRATORS, COURSE_AUTHORS

DEMO_ACCOUNTS = [
    ("cme-admin@example.com", "Avery", "Admin", CME_ADMINISTRATORS),
    ("author@example.com", "Casey", "Author", COURSE_AUTHORS),
]


def passwords_file() -> Path:
    """Where the demo passwords are kept between runs (readable by the owner only)."""
    return Path(settings.BASE_DIR) / "var" / "demo-accounts.json"


class Command(BaseCommand):
    help = (
        "Create a CME administrator and a course author for local use and print their "
        "credentials. A password is kept between runs (in var/demo-accounts.json) while it "
        "still logs in; one changed on the site is replaced by a new random one."
    )

    @transaction.atomic
    def handle(self, *args, **options):
        path = passwords_file()
        kept = _read(path)
        self.stdout.write(f"Accounts for this site (passwords kept in {path}):")
        for email, first_name, last_name, role in DEMO_ACCOUNTS:
            user, _ = User.objects.get_or_create(
                email=email, defaults={"first_name": first_name, "last_name": last_name}
            )
            password = kept.get(email, "")
            if not password or not user.check_password(password):
                password = secrets.token_urlsafe(12)
                user.set_password(password)
            user.is_staff = True  # authoring and administration use Django's admin screens
            user.save()
            user.groups.add(Group.objects.get(name=role))
            profile_of(user)
            # The operator running this command vouches for the (example.com) address.
            record_confirmed_email(user)
            kept[email] = password
            self.stdout.write(f"  {role:<20} {email:<24} password: {password}")
        _write(path, kept)
        self.stdout.write(
            "  Staff accounts log in in two steps: at the first log-in the site asks you to "
            "set up an authenticator app (TOTP), and asks for its code at every log-in after."
        )


def _read(path: Path) -> dict[str, str]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return {k: v for k, v in data.items() if isinstance(k, str) and isinstance(v, str)}


def _write(path: Path, passwords: dict[str, str]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.touch(mode=0o600, exist_ok=True)
    path.chmod(0o600)
    path.write_text(json.dumps(passwords, indent=2) + "\n", encoding="utf-8")
