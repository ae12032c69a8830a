from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DocumentsConfig(AppConfig):
    name = "myhealthhub.documents"
    verbose_name = _("Documents")

    def ready(self) -> None:
        # Registers the storage counter, the documents count, the overview's
        # panel and the clean-up of sealed files when a profile is deleted.
        from myhealthhub.documents import cleanup, overview, usage  # noqa: F401
