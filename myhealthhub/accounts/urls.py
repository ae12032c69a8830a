from django.urls import path

from myhealthhub.accounts import views

app_name = "accounts"

urlpatterns = [
    path("", views.account, name="account"),
    path("language/", views.set_language, name="set_language"),
    path("units/", views.set_units, name="set_units"),
]
