from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class ReconcileConfig(AppConfig):
    name = "myhealthhub.reconcile"
    verbose_name = _("Reconcile")

    def ready(self) -> None:
        # Records sit below reconcile: every write of an entry calls its hooks,
        # and the groups keep in step from here, in the same transaction.
        from myhealthhub.exports import formats as export_formats
        from myhealthhub.reconcile import grouping, marks, upgrade
        from myhealthhub.reconcile.exporter import MedicationListPdf
        from myhealthhub.records import changes, grouped

        changes.saved.add(grouping.entries_saved)
        changes.removed.add(grouping.entry_removed)
        # The overview and the summary keep one line per group, marked when to verify.
        grouped.grouping.add(marks.fill_grouping)
        # The reconciled medication list is one more export, printed for a review.
        export_formats.add(MedicationListPdf())
        # An instance older than groups gets them on the migrate that makes their tables.
        post_migrate.connect(upgrade.group_what_predates_groups, sender=self)
