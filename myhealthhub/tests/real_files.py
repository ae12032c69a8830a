"""Real files written by other people, for the tests: the project's copies, and the workplace's.

The suite needs a few files from real vendors, kept in the repository's
``tests/data/`` with their sources and licences (its README). More of them
(the whole bulk export, other patients) live in ``../shared/data`` beside
the clone. A test that reads those is marked ``shared_data``: where that
folder is missing it is skipped with its reason, and the run ends by saying
how many were (myhealthhub/testing.py). CI sets
``MYHEALTHHUB_REQUIRE_SHARED_DATA``, and then a missing folder stops the run.
"""

from __future__ import annotations

from pathlib import Path

import pytest

REPOSITORY = Path(__file__).resolve().parents[2]
OURS = REPOSITORY / "tests" / "data"
SHARED = REPOSITORY.parent / "shared" / "data"

# For tests that read ../shared/data.
shared_data = pytest.mark.shared_data


def ours(path: str) -> Path:
    """One of the project's own copies, by its path under tests/data."""
    found = OURS / path
    assert found.is_file(), f"tests/data/{path} is not in the repository"
    return found


def ours_in(folder: str, pattern: str = "*") -> list[Path]:
    """The project's copies in one folder of tests/data, in a stable order."""
    found = sorted(path for path in (OURS / folder).glob(pattern) if path.is_file())
    assert found, f"tests/data/{folder} holds no {pattern}"
    return found


def shared(path: str) -> Path:
    """A file of ../shared/data, for a test marked ``shared_data`` (skipped without it)."""
    return SHARED / path


def shared_in(folder: str, pattern: str = "*") -> list[Path]:
    """The files of one folder of ../shared/data; none where it is missing."""
    return sorted(path for path in (SHARED / folder).glob(pattern) if path.is_file())
