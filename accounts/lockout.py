"""What django-axes counts failed log-ins against (AXES_USERNAME_CALLABLE)."""


def lockout_username(request, credentials: dict | None) -> str | None:
    """The account a log-in attempt was for: the e-mail address in lower case, so that
    `ALICE@example.com` and `alice@example.com` share one count.

    allauth's form posts the address as "login" and authenticates with `email=`; Django's
    admin form and axes' own calls use "username". None when the attempt named no account.
    """
    credentials = credentials or {}
    value = credentials.get("email") or credentials.get("username") or credentials.get("login")
    if not value and request is not None:
        data = getattr(request, "POST", {})
        value = data.get("login") or data.get("username")
    return value.strip().lower() if value else None
