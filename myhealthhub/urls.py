from django.urls import include, path

from myhealthhub.health import healthz
from myhealthhub.profiles import views as profile_views

urlpatterns = [
    path("", profile_views.home, name="home"),
    path("healthz", healthz, name="healthz"),
    path("p/", include("myhealthhub.profiles.urls")),
    path("p/", include("myhealthhub.audit.urls")),
    path("p/", include("myhealthhub.records.urls")),
    path("p/", include("myhealthhub.documents.urls")),
    path("p/", include("myhealthhub.imports.urls")),
    path("p/", include("myhealthhub.exports.urls")),
    path("p/", include("myhealthhub.search.urls")),
    path("p/", include("myhealthhub.summary.urls")),
    path("p/", include("myhealthhub.reconcile.urls")),
    path("", include("myhealthhub.sharing.urls")),
    path("", include("myhealthhub.reminders.urls")),
    path("help/", include("myhealthhub.guides.urls")),
    path("", include("myhealthhub.api.urls")),
    path("", include("myhealthhub.api.web_urls")),
    path("fhir/r4/", include("myhealthhub.api.fhir.urls")),
    path("account/", include("myhealthhub.accounts.urls")),
    path("accounts/", include("allauth.urls")),
]
