from django.urls import path

from courses import views, views_disclosures, views_editor

app_name = "courses"

urlpatterns = [
    path("", views.catalog, name="catalog"),
    path("modules/<slug:slug>/", views.module_detail, name="module"),
    path("author/modules/", views.author_modules, name="author_modules"),
    path("author/modules/new/", views_editor.new_module, name="new_module"),
    path("author/modules/<slug:slug>/", views.author_module, name="author_module"),
    # The module editor, confirmations and reviews (courses.views_editor)
    path("author/modules/<slug:slug>/edit/", views_editor.edit_module, name="edit_module"),
    path("author/modules/<slug:slug>/edit/text/", views_editor.save_text, name="save_text"),
    path(
        "author/modules/<slug:slug>/edit/article/",
        views_editor.save_article,
        name="save_article",
    ),
    path(
        "author/modules/<slug:slug>/edit/article/preview/",
        views_editor.preview_article,
        name="preview_article",
    ),
    path(
        "author/modules/<slug:slug>/edit/accreditation/",
        views_editor.save_accreditation,
        name="save_accreditation",
    ),
    path(
        "author/modules/<slug:slug>/edit/objectives/",
        views_editor.add_objective,
        name="add_objective",
    ),
    path(
        "author/modules/<slug:slug>/edit/objectives/<int:pk>/",
        views_editor.change_objective,
        name="change_objective",
    ),
    path("author/modules/<slug:slug>/edit/faculty/", views_editor.add_faculty, name="add_faculty"),
    path(
        "author/modules/<slug:slug>/edit/faculty/<int:pk>/",
        views_editor.change_faculty,
        name="change_faculty",
    ),
    path(
        "author/modules/<slug:slug>/edit/references/",
        views_editor.add_reference,
        name="add_reference",
    ),
    path(
        "author/modules/<slug:slug>/edit/references/<int:pk>/remove/",
        views_editor.remove_reference,
        name="remove_reference",
    ),
    path(
        "author/modules/<slug:slug>/edit/credit/",
        views_editor.add_designation,
        name="add_designation",
    ),
    path(
        "author/modules/<slug:slug>/edit/credit/<int:pk>/",
        views_editor.change_designation,
        name="change_designation",
    ),
    path(
        "author/modules/<slug:slug>/edit/credit/<int:pk>/remove/",
        views_editor.remove_designation,
        name="remove_designation",
    ),
    path("author/modules/<slug:slug>/publish/", views_editor.confirm_publish, name="publish"),
    path("author/modules/<slug:slug>/archive/", views_editor.confirm_archive, name="archive"),
    path(
        "author/modules/<slug:slug>/new-edition/",
        views_editor.confirm_new_edition,
        name="new_edition",
    ),
    path("author/modules/<slug:slug>/restore/", views_editor.confirm_restore, name="restore"),
    path("author/modules/<slug:slug>/review/", views_editor.review_page, name="review"),
    path(
        "author/modules/<slug:slug>/review/submit/",
        views_editor.submit_review,
        name="submit_review",
    ),
    path(
        "author/modules/<slug:slug>/review/<int:pk>/",
        views_editor.decide_review,
        name="decide_review",
    ),
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
