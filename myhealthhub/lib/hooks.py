"""A hook: calls that an app below makes, to whatever apps above it registered.

Apps import one way (DESIGN.md, Layout). When a lower app must let a higher
one know of a change (records and documents tell search what to index), the
lower app calls a hook of its own and the higher app adds itself to it in
its ``AppConfig.ready()``. The calls run in the caller's transaction, in the
order they were added; an error in one is the caller's error.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Generic, ParamSpec

P = ParamSpec("P")


class Hook(Generic[P]):
    def __init__(self, name: str) -> None:
        self.name = name
        self._calls: list[Callable[P, None]] = []

    def __repr__(self) -> str:
        return f"Hook({self.name!r}, {len(self._calls)} calls)"

    def add(self, call: Callable[P, None]) -> None:
        if call not in self._calls:
            self._calls.append(call)

    def __call__(self, *args: P.args, **kwargs: P.kwargs) -> None:
        for call in self._calls:
            call(*args, **kwargs)
