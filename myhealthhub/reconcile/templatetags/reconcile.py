from __future__ import annotations

from typing import Any

from django import template

from myhealthhub.reconcile.differences import Conflict
from myhealthhub.reconcile.sides import Stated, sides_of

register = template.Library()


@register.filter
def get_item(mapping: dict[Any, Any], key: Any) -> Any:
    return mapping.get(key)


@register.filter
def sides(conflict: Conflict) -> list[Stated]:
    return sides_of(conflict)
