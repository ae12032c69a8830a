from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SharingConfig(AppConfig):
    name = "myhealthhub.sharing"
    verbose_name = _("Sharing")

    def ready(self) -> None:
        from myhealthhub.archive import layout
        from myhealthhub.sharing.links import actions  # noqa: F401  (registers its plan limits)
        from myhealthhub.sharing.models import Invitation, ShareAccess, ShareFile, ShareLink

        # Who may see a record is decided again in each instance: no archive hands it out.
        layout.leave_out(Invitation, ShareLink, ShareFile, ShareAccess)
