"""Whether a learner's e-mail address is confirmed.

Addresses are confirmed through django-allauth: sign-up sends a link, and the account logs in
only once the link is followed (ACCOUNT_EMAIL_VERIFICATION = "mandatory"). Accounts that
existed before confirmation was introduced had their addresses recorded as confirmed by
migration accounts 0007, because they predate it; accounts an operator creates at the
server's console (`createsuperuser`, `create_demo_accounts`) are recorded as confirmed too.
An account added in the Django admin confirms its address at its first log-in.

The functions take the site's user (accounts.models.User) typed as Django's base user: the
user model's manager calls `record_confirmed_email` for `createsuperuser`, so this module
does not import the model back.
"""

from allauth.account.models import EmailAddress
from django.contrib.auth.base_user import AbstractBaseUser
from django.db import transaction


def has_confirmed_email(user: AbstractBaseUser) -> bool:
    """True when the address the site writes to (`user.email`) is the user's primary
    address and was confirmed (allauth's EmailAddress, `primary` and `verified`).

    Claiming credit and e-mailing a certificate ask this first: a certificate must not go to
    an address nobody has shown they read. An address changed in the admin since it was
    confirmed counts as unconfirmed. One query; False for anonymous users.
    """
    if not user.is_authenticated or not user.email:
        return False
    return EmailAddress.objects.filter(
        user=user, email__iexact=user.email, primary=True, verified=True
    ).exists()


def record_confirmed_email(user: AbstractBaseUser) -> EmailAddress:
    """Record `user.email` as the user's confirmed primary address, for accounts whose
    address an operator vouches for (the console commands above), never for sign-ups.
    Idempotent; returns the EmailAddress row."""
    email = user.email.lower()
    with transaction.atomic():
        EmailAddress.objects.filter(user=user, primary=True).exclude(email=email).update(
            primary=False
        )
        address, _ = EmailAddress.objects.update_or_create(
            user=user, email=email, defaults={"verified": True, "primary": True}
        )
    return address
