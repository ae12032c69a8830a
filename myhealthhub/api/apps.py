from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApiConfig(AppConfig):
    name = "myhealthhub.api"
    verbose_name = _("API")

    def ready(self) -> None:
        from myhealthhub.api.models import AccessToken
        from myhealthhub.archive import layout

        # A token opens a record to a program: it never travels in an archive.
        layout.leave_out(AccessToken)
