"""Every non-Python file the package needs is shipped by `pip install .` (the README's first command)."""

from __future__ import annotations

import re
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


def pins(lock: Path) -> dict[str, str]:
    """``name: version`` of every package a lock file pins, each with its hashes."""
    found = {}
    text = lock.read_text()
    for block in re.split(r"\n(?=[a-z0-9])", text.split("\n", 2)[2]):
        if not block.strip() or block.startswith("#"):
            continue
        requirement = block.split(" ", 1)[0].split(";", 1)[0]
        name, _, version = requirement.partition("==")
        assert version, f"{lock.name}: {requirement} is not pinned"
        assert "--hash=sha256:" in block, f"{lock.name}: {name} has no hash"
        found[normalized(name)] = version
    return found


def normalized(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name.split("[", 1)[0]).lower()


def direct(specifiers: list[str]) -> dict[str, str]:
    return {
        normalized(name): version
        for name, _, version in (specifier.partition("==") for specifier in specifiers)
    }


def test_the_lock_files_pin_what_pyproject_pins():
    """The README installs from the locks: they must hold pyproject's pins, hashed."""
    project = tomllib.loads(PYPROJECT.read_text())["project"]
    runtime = direct(project["dependencies"])
    testing = direct(project["optional-dependencies"]["test"])
    locked = pins(PYPROJECT.parent / "requirements.lock")
    locked_for_tests = pins(PYPROJECT.parent / "requirements-test.lock")
    assert {name: locked.get(name) for name in runtime} == runtime
    assert {name: locked_for_tests.get(name) for name in runtime | testing} == runtime | testing
    # What runs in production is what was tested.
    assert {name: locked_for_tests.get(name) for name in locked} == locked
