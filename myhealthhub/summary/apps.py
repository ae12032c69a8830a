from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SummaryConfig(AppConfig):
    name = "myhealthhub.summary"
    label = "summary"
    verbose_name = _("Health summary")
