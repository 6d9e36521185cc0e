"""Signal receivers: each only hands over to a domain function."""

from django.db import transaction


def send_held_certificates_on_confirmation(sender, request, email_address, **kwargs):
    """allauth's `email_confirmed`: certificates held because the address was unconfirmed
    are e-mailed now (certificates.issuance.send_held_certificates), after the commit."""
    from certificates.issuance import send_held_certificates

    user = email_address.user
    transaction.on_commit(lambda: send_held_certificates(user))
