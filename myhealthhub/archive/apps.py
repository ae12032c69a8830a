from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ArchiveConfig(AppConfig):
    name = "myhealthhub.archive"
    label = "archive"
    verbose_name = _("Archive")

    def ready(self) -> None:
        # The archive sits above imports and exports: it offers itself as one
        # more export format, and tells the import page to turn archives away.
        from myhealthhub.archive.exporter import ArchiveExport
        from myhealthhub.archive.reading import restored_not_imported
        from myhealthhub.exports import formats as export_formats
        from myhealthhub.imports import formats as import_formats

        export_formats.add(ArchiveExport())
        import_formats.taken_elsewhere(restored_not_imported)
