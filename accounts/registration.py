"""Creating accounts."""

from django.contrib.auth import get_user_model
from django.db import transaction

from accounts.models import Profile, User


@transaction.atomic
def register_learner(
    email: str, *, password: str | None, first_name: str, last_name: str, **profile_fields
) -> User:
    """Create a learner's account together with their (possibly incomplete) profile."""
    user = get_user_model().objects.create_user(
        email=email, password=password, first_name=first_name, last_name=last_name
    )
    Profile.objects.create(user=user, **profile_fields)
    return user


def profile_of(user: User) -> Profile:
    """The learner's profile; accounts made outside sign-up (createsuperuser) get one lazily.
    Read once per user object: later calls in the same request reuse it."""
    try:
        return user.profile
    except Profile.DoesNotExist:
        profile, _ = Profile.objects.get_or_create(user=user)
        return profile
