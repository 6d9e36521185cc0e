from django.urls import include, path

from reporting import views

app_name = "reporting"

urlpatterns = [
    path("", views.delivery_list, name="deliveries"),
    path("actions/", views.delivery_action, name="delivery_action"),
    path("activity-data/", views.activity_data_page, name="activity_data"),
    path("registries/", include("reporting.registries.urls")),
]
