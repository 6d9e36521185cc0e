import secrets

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


class Command(BaseCommand):
    help = (
        "Create (or refresh) a CME administrator and a course author for local use, "
        "giving each a new random password, and print the credentials."
    )

    @transaction.atomic
    def handle(self, *args, **options):
        self.stdout.write("Accounts for this site (passwords are new on every run):")
        for email, first_name, last_name, role in DEMO_ACCOUNTS:
            user, _ = User.objects.get_or_create(
                email=email, defaults={"first_name": first_name, "last_name": last_name}
            )
            password = secrets.token_urlsafe(12)
            user.set_password(password)
            user.is_staff = True  # authoring and administration use Django's admin screens
            user.save()
            user.groups.add(Group.objects.get(name=role))
            profile_of(user)
            # The operator running this command vouches for the (example.com) address.
            record_confirmed_email(user)
            self.stdout.write(f"  {role:<20} {email:<24} password: {password}")
        self.stdout.write(
            "  Staff accounts log in in two steps: at the first log-in the site asks you to "
            "set up an authenticator app (TOTP), and asks for its code at every log-in after."
        )
