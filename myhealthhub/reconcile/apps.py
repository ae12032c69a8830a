from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReconcileConfig(AppConfig):
    name = "myhealthhub.reconcile"
    verbose_name = _("Reconcile")

    def ready(self) -> None:
        # Records sit below reconcile: every write of an entry calls its hooks,
        # and the groups keep in step from here, in the same transaction.
        from myhealthhub.exports import formats as export_formats
        from myhealthhub.reconcile import grouping, marks
        from myhealthhub.reconcile.exporter import MedicationListPdf
        from myhealthhub.records import changes
        from myhealthhub.summary import sections

        changes.saved.add(grouping.entries_saved)
        changes.removed.add(grouping.entry_removed)
        # The summary marks what is to verify and keeps one line per group.
        sections.grouping.add(marks.fill_grouping)
        # The reconciled medication list is one more export, printed for a review.
        export_formats.add(MedicationListPdf())
