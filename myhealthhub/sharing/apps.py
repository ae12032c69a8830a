from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SharingConfig(AppConfig):
    name = "myhealthhub.sharing"
    verbose_name = _("Sharing")

    def ready(self) -> None:
        from myhealthhub.archive import layout
        from myhealthhub.documents import keys
        from myhealthhub.sharing.links import sealing, usage  # noqa: F401  (usage: plan limits)
        from myhealthhub.sharing.models import Invitation, ShareAccess, ShareFile, ShareLink

        # A key rotation reseals the keys of links kept up to date.
        keys.resealing.add(sealing.reseal_keys)
        # Who may see a record is decided again in each instance: no archive hands it out.
        layout.leave_out(Invitation, ShareLink, ShareFile, ShareAccess)
