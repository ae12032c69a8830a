from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ExportsConfig(AppConfig):
    name = "myhealthhub.exports"
    label = "exports"
    verbose_name = _("Exports")
    default_auto_field = "django.db.models.BigAutoField"
