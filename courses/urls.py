from django.urls import path

from courses import views

app_name = "courses"

urlpatterns = [
    path("", views.catalog, name="catalog"),
    path("modules/<slug:slug>/", views.module_detail, name="module"),
    path("author/modules/", views.author_modules, name="author_modules"),
    path("author/modules/<slug:slug>/", views.author_module, name="author_module"),
    path("author/modules/<slug:slug>/publish/", views.publish, name="publish"),
    path("author/modules/<slug:slug>/archive/", views.archive, name="archive"),
    path("author/modules/<slug:slug>/new-edition/", views.new_edition, name="new_edition"),
]
