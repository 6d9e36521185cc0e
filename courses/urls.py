from django.urls import path

from courses import views

app_name = "courses"

urlpatterns = [
    path("", views.catalog, name="catalog"),
    path("modules/<slug:slug>/", views.module_detail, name="module"),
]
