from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MyHealthHubConfig(AppConfig):
    """The project package itself: the page shell, start-up checks and `serve`."""

    name = "myhealthhub"
    verbose_name = _("MyHealthHub")

    def ready(self) -> None:
        from myhealthhub import checks  # noqa: F401  (registers the system checks)
