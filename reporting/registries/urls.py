from django.urls import path

from reporting.registries import views

app_name = "registries"

urlpatterns = [
    path("", views.batch_list, name="batches"),
    path(
        "batches/<int:pk>/file.<str:extension>",
        views.batch_download,
        name="batch_download",
    ),
    path("results/", views.results_upload, name="results_upload"),
]
