from django.urls import path
from django.views.generic import RedirectView

from accounts import views

app_name = "accounts"


def moved_to(pattern_name: str):
    """The page moved to django-allauth's address; links and bookmarks to the old one
    (with their ?next=...) still work."""
    return RedirectView.as_view(pattern_name=pattern_name, query_string=True, permanent=True)


urlpatterns = [
    path("profile/", views.edit_profile, name="profile"),
    path("my-data/", views.my_data, name="my_data"),
    path("close/", views.close, name="close"),
    path("learners/", views.learners, name="learners"),
    path("learners/<int:pk>/", views.learner_detail, name="learner"),
    # Sign-up, log-in, log-out, passwords, e-mail confirmation and two-step log-in are
    # django-allauth's, under /accounts/ (cme_site/urls.py). The old addresses:
    path("sign-up/", moved_to("account_signup")),
    path("log-in/", moved_to("account_login")),
    path("log-out/", moved_to("account_logout")),
]
