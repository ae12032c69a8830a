"""pytest plugin loaded before Django: points the suite at a throwaway data folder.

Loaded with ``-p`` (see pyproject.toml) because pytest-django reads the
settings before any conftest.py runs.
"""

from __future__ import annotations

import os
import tempfile

data_dir = tempfile.mkdtemp(prefix="myhealthhub-test-")
os.makedirs(os.path.join(data_dir, "static"))
os.environ["MYHEALTHHUB_DATA_DIR"] = data_dir
os.environ["MYHEALTHHUB_STATIC_MANIFEST"] = "false"
# Tasks run inline in tests; the worker is exercised by its own test.
os.environ.setdefault(
    "MYHEALTHHUB_TASKS_BACKEND", "django_tasks.backends.immediate.ImmediateBackend"
)
