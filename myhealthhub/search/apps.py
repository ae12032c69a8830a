from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SearchConfig(AppConfig):
    name = "myhealthhub.search"
    verbose_name = _("Search")

    def ready(self) -> None:
        # Records and documents sit below search: they call their hooks, and
        # the index, which reads them, keeps in step from here.
        from myhealthhub.documents import changes as document_changes
        from myhealthhub.records import changes as entry_changes
        from myhealthhub.search import index

        entry_changes.saved.add(index.index_entries)
        entry_changes.removed.add(index.unindex)
        document_changes.saved.add(index.index_documents)
        document_changes.removed.add(index.unindex)
