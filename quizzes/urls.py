from django.urls import path

from quizzes import views

app_name = "quizzes"

urlpatterns = [
    path("modules/<slug:slug>/post-test/start/", views.start, name="start"),
    path("attempts/<int:pk>/", views.take, name="attempt"),
    path("attempts/<int:pk>/items/<int:item_pk>/answer/", views.answer, name="save_answer"),
    path("attempts/<int:pk>/result/", views.result, name="result"),
    path("support/participations/<int:pk>/grant/", views.grant, name="grant"),
    path("author/questions/<int:pk>/", views.edit_question, name="edit_question"),
    path("author/questions/<int:pk>/regrade/", views.regrade, name="regrade"),
    path(
        "author/questions/<int:pk>/history/",
        views.question_history_page,
        name="question_history",
    ),
    path("author/regrades/<int:pk>/", views.regrade_detail, name="regrade_detail"),
    path("author/modules/<slug:slug>/questions/new/", views.edit_question, name="add_question"),
    path(
        "author/modules/<slug:slug>/post-test/",
        views.post_test_settings,
        name="post_test_settings",
    ),
    path("author/modules/<slug:slug>/preview/post-test/", views.preview, name="preview"),
    path("author/modules/<slug:slug>/questions.gift", views.gift_export, name="gift_export"),
    path(
        "author/modules/<slug:slug>/item-analysis/",
        views.item_analysis_page,
        name="item_analysis",
    ),
    path("author/modules/<slug:slug>/questions/import/", views.gift_import, name="gift_import"),
]
