"""Every profile-owned row carries ``profile_id`` (DESIGN.md principle 10).

It is the key by which the data may one day be distributed, sharded by
profile; a row that reaches its profile only through another row (a link
through its document) would need a query across profiles to be found.
"""

from __future__ import annotations

from django.apps import apps
from django.db import models

import myhealthhub


def test_a_row_that_points_at_a_profiles_row_carries_the_profile_too():
    ours = [
        model
        for model in apps.get_models()
        if model.__module__.startswith(myhealthhub.__name__ + ".")
    ]
    owned = {model for model in ours if any(f.name == "profile" for f in model._meta.fields)}
    assert owned, "no model carries a profile: the test looks at the wrong fields"
    missing = [
        f"{model.__name__}.{field.name} → {field.related_model.__name__}"
        for model in ours
        if model not in owned
        for field in model._meta.fields
        if isinstance(field, models.ForeignKey) and field.related_model in owned
    ]
    assert missing == []
