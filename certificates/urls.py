from django.urls import path

from certificates import views

app_name = "certificates"

urlpatterns = [
    path("modules/<slug:slug>/evaluation/", views.evaluate, name="evaluate"),
    path("modules/<slug:slug>/claim/", views.claim, name="claim"),
    path("certificates/<int:pk>/", views.detail, name="detail"),
    path("certificates/<int:pk>/download/", views.download, name="download"),
    path("certificates/<int:pk>/revoke/", views.revoke, name="revoke"),
    path("certificates/<int:pk>/reissue/", views.reissue, name="reissue"),
    path("transcript/", views.transcript_page, name="transcript"),
    path("verify/", views.verify_lookup, name="verify_lookup"),
    path("verify/<str:code>/", views.verify, name="verify"),
    path("cme-admin/credits/", views.dashboard, name="dashboard"),
    path("cme-admin/credits/pars/", views.pars_page, name="pars"),
    path("cme-admin/exports/", views.request_export_view, name="request_export"),
    path("cme-admin/exports/<int:pk>/", views.export_job, name="export_job"),
    path("cme-admin/exports/<int:pk>/download/", views.export_download, name="export_download"),
    path(
        "cme-admin/modules/<slug:slug>/evaluations/",
        views.evaluation_summary_page,
        name="evaluation_summary",
    ),
]
