"""JSON from outside, read within bounds: a size and a depth no honest caller comes near.

orjson alone accepts 1,024 levels and any size that fits in memory; an API body
is read whole, so both are bounded before anything else looks at it.
"""

from __future__ import annotations

from typing import Any

import orjson

MOST_BYTES = 2 * 1024 * 1024
MOST_DEPTH = 16


class OutOfBounds(ValueError):
    """The text is too large, too deep, or not JSON; ``reason`` says which."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def loads(data: bytes | str, *, most_bytes: int = MOST_BYTES, most_depth: int = MOST_DEPTH) -> Any:
    if len(data) > most_bytes:
        raise OutOfBounds("size")
    try:
        value = orjson.loads(data)
    except orjson.JSONDecodeError:
        raise OutOfBounds("syntax") from None
    if depth(value, most_depth + 1) > most_depth:
        raise OutOfBounds("depth")
    return value


def depth(value: Any, stop_at: int) -> int:
    """How deep ``value`` nests lists and objects, counted no further than ``stop_at``."""
    deepest = 0
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, level = stack.pop()
        if not isinstance(item, dict | list):
            continue
        deepest = max(deepest, level)
        if deepest >= stop_at:
            return deepest
        children = item.values() if isinstance(item, dict) else item
        stack.extend((child, level + 1) for child in children)
    return deepest


def dumps(value: Any) -> bytes:
    return orjson.dumps(value)
