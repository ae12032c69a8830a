from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RemindersConfig(AppConfig):
    name = "myhealthhub.reminders"
    verbose_name = _("Reminders")

    def ready(self) -> None:
        from myhealthhub.archive import layout
        from myhealthhub.reminders.models import CalendarFeed, Notice

        # A notice is this instance's word to one of its accounts, and a feed's
        # secret opens the record to one reader: neither travels in an archive.
        layout.leave_out(Notice, CalendarFeed)
