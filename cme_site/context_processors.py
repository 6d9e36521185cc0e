from django.conf import settings


def site(request):
    return {
        "cme_provider_name": settings.CME_PROVIDER_NAME,
        "cme_support_email": settings.CME_SUPPORT_EMAIL,
    }
