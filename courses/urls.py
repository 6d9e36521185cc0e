from django.urls import path

from courses import views, views_disclosures

app_name = "courses"

urlpatterns = [
    path("", views.catalog, name="catalog"),
    path("modules/<slug:slug>/", views.module_detail, name="module"),
    path("author/modules/", views.author_modules, name="author_modules"),
    path("author/modules/<slug:slug>/", views.author_module, name="author_module"),
    path("author/modules/<slug:slug>/publish/", views.publish, name="publish"),
    path("author/modules/<slug:slug>/archive/", views.archive, name="archive"),
    path("author/modules/<slug:slug>/new-edition/", views.new_edition, name="new_edition"),
    # Disclosure collection (courses.views_disclosures)
    path("disclose/<str:token>/", views_disclosures.disclose, name="disclose"),
    path(
        "author/modules/<slug:slug>/disclosures/",
        views_disclosures.module_disclosures_page,
        name="module_disclosures",
    ),
    path(
        "author/modules/<slug:slug>/disclosures/<int:pk>/invite/",
        views_disclosures.invite,
        name="invite_to_disclose",
    ),
    path(
        "author/modules/<slug:slug>/disclosures/relationships/<int:pk>/review/",
        views_disclosures.review,
        name="review_relationship",
    ),
]
