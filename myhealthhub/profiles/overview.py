"""The sections of a profile's overview page, contributed by the apps that own the data.

Like the entry counters, this keeps the profiles app from importing the apps
built on top of it: each registers a function that returns its section.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from myhealthhub.profiles.models import Profile


@dataclass(frozen=True)
class Section:
    template: str
    context: dict[str, Any]


SectionMaker = Callable[[Profile], Section]
_makers: list[tuple[int, SectionMaker]] = []


def overview_section(order: int) -> Callable[[SectionMaker], SectionMaker]:
    def register(maker: SectionMaker) -> SectionMaker:
        _makers.append((order, maker))
        return maker

    return register


def sections(profile: Profile) -> list[Section]:
    return [maker(profile) for _order, maker in sorted(_makers, key=lambda item: item[0])]
