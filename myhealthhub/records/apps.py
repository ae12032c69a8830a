from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RecordsConfig(AppConfig):
    name = "myhealthhub.records"
    verbose_name = _("Records")

    def ready(self) -> None:
        # Registers the entry counters and the overview's sections.
        from myhealthhub.records import kinds, overview, overview_cache  # noqa: F401

        # The overview's kept panels are forgotten when the profile's record changes.
        overview_cache.connect()
