from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ImportsConfig(AppConfig):
    name = "myhealthhub.imports"
    label = "imports"
    verbose_name = _("Imports")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Documents sit below imports: the page of a kept C-CDA asks for its
        # drawing through documents/showing.py, and gets this one.
        from myhealthhub.documents import showing
        from myhealthhub.documents.sniff import CCDA
        from myhealthhub.imports.ccda import page

        showing.add_drawer(CCDA.content_type, page.draw)
