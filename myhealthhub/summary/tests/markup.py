"""Reading our HTML in tests: lxml's XPath answers are typed as anything, so say what they are."""

from __future__ import annotations

from typing import Any, cast

from lxml import html


def parse(content: bytes) -> Any:
    return html.fromstring(content)


def find(node: Any, path: str) -> list[Any]:
    return cast(list[Any], node.xpath(path))
