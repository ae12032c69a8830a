"""Every non-Python file the package needs is shipped by `pip install .` (the README's first command)."""

from __future__ import annotations

import tomllib
from pathlib import Path

import myhealthhub

PACKAGE = Path(myhealthhub.__file__).parent
PYPROJECT = PACKAGE.parent / "pyproject.toml"


def test_package_data_covers_every_data_file():
    patterns = tomllib.loads(PYPROJECT.read_text())["tool"]["setuptools"]["package-data"][
        "myhealthhub"
    ]
    shipped = {path for pattern in patterns for path in PACKAGE.glob(pattern) if path.is_file()}
    needed = {
        path
        for path in PACKAGE.rglob("*")
        if path.is_file() and path.suffix not in {".py", ".pyc"} and "__pycache__" not in path.parts
    }
    assert sorted(str(path.relative_to(PACKAGE)) for path in needed - shipped) == []
