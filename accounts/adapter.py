"""How django-allauth fits this site: sign-up creates a learner through
accounts.registration.register_learner, e-mails carry the provider's name, and staff cannot
remove the authenticator app they must log in with."""

from allauth.account.adapter import DefaultAccountAdapter
from allauth.mfa.adapter import DefaultMFAAdapter
from django.conf import settings
from django.core.mail import EmailMessage

from accounts.registration import register_learner
from accounts.two_factor import requires_two_factor
from core.client_ip import client_ip
from core.plaintext import render_plain_text, render_subject


class AccountAdapter(DefaultAccountAdapter):
    def save_user(self, request, user, form, commit=True):
        """Create the account with register_learner (account and profile together), the one
        way a learner is created; allauth then records the unconfirmed address and sends the
        confirmation link. `user` (allauth's unsaved blank instance) is not used."""
        data = form.cleaned_data
        return register_learner(
            data["email"],
            password=data["password1"],
            first_name=data["first_name"],
            last_name=data["last_name"],
        )

    def format_email_subject(self, subject: str) -> str:
        return f"{settings.CME_PROVIDER_NAME}: {subject}"

    def render_mail(self, template_prefix, email, context, headers=None) -> EmailMessage:
        """Every allauth e-mail (confirmation, password reset, notices) as plain text
        through core.plaintext, the site's one way to render e-mails: a name such as
        "O'Brien & Søn" reads as written. No HTML alternative is sent."""
        context = {
            "cme_provider_name": settings.CME_PROVIDER_NAME,
            "cme_support_email": settings.CME_SUPPORT_EMAIL,
            **context,
        }
        subject = render_subject(f"{template_prefix}_subject.txt", context)
        body = render_plain_text(f"{template_prefix}_message.txt", context).strip()
        to = [email] if isinstance(email, str) else email
        return EmailMessage(
            self.format_email_subject(subject), body, self.get_from_email(), to, headers=headers
        )

    def get_client_ip(self, request) -> str:
        """The client's address as the rest of the site sees it (core.client_ip: behind the
        TLS proxy only as far as CME_TRUSTED_PROXY_COUNT / CME_TRUSTED_PROXIES say), so that
        allauth's rate limits count clients exactly as django-axes and django-ratelimit do."""
        return client_ip(request) or super().get_client_ip(request)


class TwoFactorAdapter(DefaultMFAAdapter):
    error_messages = {
        **DefaultMFAAdapter.error_messages,
        "cannot_delete_authenticator": (
            "Author and administrator accounts log in in two steps; two-step log-in stays on."
        ),
    }

    def get_totp_issuer(self) -> str:
        """The name authenticator apps list the account under."""
        return settings.CME_PROVIDER_NAME

    def can_delete_authenticator(self, authenticator) -> bool:
        """Learners may switch two-step log-in off again; staff may not. A staff member who
        loses the phone logs in with a recovery code; if those are lost too, an administrator
        deletes the authenticator in the admin and a new one is set up at the next log-in."""
        return not requires_two_factor(authenticator.user)
