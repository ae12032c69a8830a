from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProfilesConfig(AppConfig):
    name = "myhealthhub.profiles"
    verbose_name = _("Profiles")

    def ready(self) -> None:
        from myhealthhub.profiles import usage  # noqa: F401  (registers the profile quota)
