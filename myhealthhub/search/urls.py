from django.urls import path

from myhealthhub.search import views

app_name = "search"

urlpatterns = [
    path("<uuid:profile_uuid>/search/", views.results, name="results"),
]
