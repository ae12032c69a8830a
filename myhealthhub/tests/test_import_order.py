"""Apps import one way (DESIGN.md, Layout), read from the source: an import against it fails here.

Below the web layer an app may import only the apps before it in ORDER;
within one step of ORDER, only those listed before it there. Views, URLs,
template tags, context processors and commands may use any app, but not
another app's views. Imports inside ``if TYPE_CHECKING:`` are for the type
checker only and do not count; imports inside functions do.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import myhealthhub

PACKAGE = Path(myhealthhub.__file__).parent

ORDER: tuple[tuple[str, ...], ...] = (
    # Small helpers, with the project's own errors and form fields.
    ("errors", "lib", "fields"),
    ("audit", "accounts"),
    ("profiles",),
    ("records", "documents"),
    ("search",),
    ("summary",),
    ("imports", "exports", "reconcile", "archive", "sharing"),
    # What reads the whole record to remind; the guides, which read nothing;
    # the API, which serves the record to the person's own programs.
    ("reminders", "guides", "api"),
)
# The project's web layer and test plumbing: they may import any app.
PROJECT_WEB = {
    "settings",
    "urls",
    "cli",
    "wsgi",
    "checks",
    "apps",
    "management",
    "testing",
    # /healthz, and the middleware that finds the client behind a proxy.
    "health",
    "proxies",
}
# Only the migrations that handed its tables to imports and exports.
MIGRATIONS_ONLY = {"interop"}
WEB_PARTS = {"views", "urls", "templatetags", "management"}
WEB_FILES = {"views.py", "urls.py", "context_processors.py"}


def rank(app: str) -> tuple[int, int]:
    for step, apps in enumerate(ORDER):
        if app in apps:
            return step, apps.index(app)
    raise AssertionError(f"{app} is not in ORDER: place it in the apps' order")


@dataclass(frozen=True)
class Import:
    path: Path
    line: int
    module: str

    def __str__(self) -> str:
        return f"{self.path.relative_to(PACKAGE.parent)}:{self.line} imports {self.module}"


def app_of(path: Path) -> str:
    first = path.relative_to(PACKAGE).parts[0]
    return first.removesuffix(".py")


def is_web(path: Path) -> bool:
    parts = path.relative_to(PACKAGE).parts
    return bool(WEB_PARTS.intersection(parts[:-1])) or parts[-1] in WEB_FILES


def modules() -> Iterator[Path]:
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = set(path.relative_to(PACKAGE).parts)
        if (
            {"tests", "migrations"} & parts
            or path.name == "conftest.py"
            or (path.parent == PACKAGE and path.name == "__init__.py")
        ):
            continue
        yield path


def imports_of(path: Path) -> Iterator[Import]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    type_only = {
        id(node)
        for branch in ast.walk(tree)
        if isinstance(branch, ast.If) and "TYPE_CHECKING" in ast.unparse(branch.test)
        for node in ast.walk(branch)
    }
    for node in ast.walk(tree):
        if id(node) in type_only:
            continue
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module] + [f"{node.module}.{alias.name}" for alias in node.names]
        elif isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        else:
            continue
        for name in names:
            if name.startswith("myhealthhub."):
                yield Import(path, node.lineno, name)


def target_app(module: str) -> str:
    return module.split(".")[1]


def is_web_module(module: str) -> bool:
    parts = module.split(".")[2:]
    return bool(WEB_PARTS.intersection(parts)) or any(f"{part}.py" in WEB_FILES for part in parts)


def against_the_order(found: Import) -> str | None:
    """Why an import goes against the order, or None."""
    source, target = app_of(found.path), target_app(found.module)
    if source == target or source in PROJECT_WEB:
        return None
    if MIGRATIONS_ONLY & {source, target}:
        return "interop holds only migrations"
    if target in PROJECT_WEB:
        return f"{target} is the project's web layer"
    if is_web(found.path):
        return "a view uses another app's view" if is_web_module(found.module) else None
    if is_web_module(found.module):
        return "below the web layer, a module uses a view"
    if rank(target) >= rank(source):
        return f"{target} is not below {source}"
    return None


def test_every_app_has_its_place_in_the_order():
    apps = {app_of(path) for path in modules() if app_of(path) not in PROJECT_WEB | MIGRATIONS_ONLY}
    for app in apps:
        rank(app)


def test_apps_import_one_way():
    wrong = [
        f"{found}: {reason}"
        for path in modules()
        for found in imports_of(path)
        if (reason := against_the_order(found))
    ]
    assert wrong == []


def test_the_order_test_sees_an_import_against_it(tmp_path: Path):
    """An import of search from records is caught; the same one for the type checker only is not."""
    path = PACKAGE / "records" / "actions.py"
    upward = Import(path, 1, "myhealthhub.search.index")
    assert against_the_order(upward) == "search is not below records"
    source = "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    import myhealthhub.search\n"
    checked = tmp_path / "typed.py"
    checked.write_text(source)
    assert list(imports_of(checked)) == []


def test_views_write_no_audit_event_themselves():
    """Writes go through actions (DESIGN.md principle 2), and an audit event is a write."""
    writing = [
        str(found)
        for path in modules()
        if is_web(path)
        for found in imports_of(path)
        if found.module.startswith("myhealthhub.audit.log")
    ]
    assert writing == []
