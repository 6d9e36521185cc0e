"""Staff set up two-step log-in before they use the site."""

from django.contrib import messages
from django.shortcuts import redirect

from accounts.two_factor import has_authenticator_app, requires_two_factor

SET_UP_FIRST = (
    "Author and administrator accounts log in with a code from an authenticator app as well "
    "as the password. Set up your authenticator app to continue."
)

# Pages a staff member without an authenticator app may still open: setting one up (every
# allauth.mfa page is named "mfa_..."), confirming the password again on the way, logging out,
# and the password and e-mail pages reached from an e-mailed link.
ALLOWED_WITHOUT_AUTHENTICATOR = frozenset(
    {
        "account_logout",
        "account_reauthenticate",
        "account_change_password",
        "account_reset_password",
        "account_reset_password_done",
        "account_reset_password_from_key",
        "account_reset_password_from_key_done",
        "account_confirm_email",
        "account_email_verification_sent",
    }
)


class StaffTwoFactorMiddleware:
    """Send a staff member (accounts.two_factor.requires_two_factor) who has no authenticator
    app to allauth's set-up page, with a message saying why, from every page but those
    above. Staff who already have one were asked for its code at log-in by allauth."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        match = request.resolver_match
        url_name = match.url_name if match else None
        if url_name and (url_name.startswith("mfa_") or url_name in ALLOWED_WITHOUT_AUTHENTICATOR):
            return None
        if not requires_two_factor(request.user) or has_authenticator_app(request.user):
            return None
        messages.warning(request, SET_UP_FIRST)
        return redirect("mfa_activate_totp")
