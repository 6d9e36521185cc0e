from django.conf import settings


def site(request):
    """The provider's name and the support address, for every page."""
    return {
        "cme_provider_name": settings.CME_PROVIDER_NAME,
        "cme_support_email": settings.CME_SUPPORT_EMAIL,
    }
