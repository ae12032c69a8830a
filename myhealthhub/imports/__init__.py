"""Imports: files from portals, EHRs and devices, kept, read, previewed and committed.

``pipeline.py`` runs an import job (keep the files, read them, plan, commit
or discard). Each format is a folder of its own (``fhir/``, ``ccda/``,
``csv_readings/``) with ``parse.py`` (bytes to plain data, no database),
``map.py`` (plain data to unsaved entries) and its tests beside it; they are
registered in ``formats.py``.
"""
