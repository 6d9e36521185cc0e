"""Two-step log-in (TOTP) for the accounts that can change what learners see or are credited.

Authors and administrators must log in with a code from an authenticator app as well as
their password; learners may choose to. The log-in step itself, setting up the app and the
recovery codes are django-allauth's (allauth.mfa); this module says who must use it.
"""

from allauth.mfa.models import Authenticator

from accounts.models import User


def requires_two_factor(user: User) -> bool:
    """True for staff: `is_staff` or `is_superuser` accounts, and anyone holding a permission,
    which is every member of the "Course authors" and "CME administrators" groups
    (accounts.roles). Learners hold no permission. Reads the permissions once per request
    (the same cached read the navigation bar makes)."""
    if not user.is_authenticated:
        return False
    return user.is_staff or user.is_superuser or bool(user.get_all_permissions())


def has_authenticator_app(user: User) -> bool:
    """True once the user has set up an authenticator app (allauth's TOTP Authenticator)."""
    return Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()
