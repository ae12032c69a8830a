from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InteropConfig(AppConfig):
    """Where imports and exports lived until they became apps of their own.

    Only its migrations remain: an existing database applies them in order,
    and the last hands the tables over to ``imports`` and ``exports``.
    """

    name = "myhealthhub.interop"
    label = "interop"
    verbose_name = _("Imports and exports")
    default_auto_field = "django.db.models.BigAutoField"
