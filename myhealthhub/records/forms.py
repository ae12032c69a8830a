"""One form class per kind, built from the kind's fields in the registry.

Plain forms, not ModelForms, for the reason given in profiles/forms.py: the
action must see the entry as it was to know what changed.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable
from functools import cache
from typing import Any

from django import forms
from django.db import models
from django.utils import timezone, translation
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from myhealthhub.accounts.models import User
from myhealthhub.fields import DistanceField, DurationField, PartialDateField, model_field
from myhealthhub.lib import codes, formatting
from myhealthhub.lib.dates import PartialDate, Precision
from myhealthhub.lib.formatting import HasUnits, Preferences
from myhealthhub.lib.units import convert
from myhealthhub.profiles.models import Profile
from myhealthhub.records.kinds import KINDS, Kind
from myhealthhub.records.models import Entry, Observation, Source
from myhealthhub.records.sources import Typists, source_label
from myhealthhub.records.timeline import TimelineFilter

TEXTAREA_FIELDS = {"notes", "body", "questions", "bring", "outcome"}
# A workout's quantities are typed in the unit the label names (records/models/workouts.py);
# its distance in the reader's own (fields.DistanceField).
UNIT_LABELS = {
    "active_energy": _("Active energy (kcal)"),
    "average_heart_rate": _("Average heart rate (beats a minute)"),
}


def is_partial_date(kind: Kind, name: str) -> bool:
    return any(field.name == f"{name}_precision" for field in kind.model._meta.get_fields())


CODE_TABLES: dict[str, Callable[[], tuple[codes.Code, ...]]] = {
    "immunizations": codes.vaccines,
    "results": codes.lab_tests,
}
SUGGESTIONS: dict[str, Callable[[str], list[str]]] = {
    "immunizations": lambda language: [code.name_in(language) for code in codes.vaccines()],
    "results": lambda language: [code.name_in(language) for code in codes.lab_tests()],
    "medications": lambda language: [
        medicine.suggestion_in(language) for medicine in codes.medicines()
    ],
}
SUGGESTIONS_ID = "entry-suggestions"


class EntryForm(forms.Form):
    kind: Kind
    # The version the person started editing from: saving over a newer one is refused.
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    existing_codings: list[dict[str, str]] = []
    # Editing an entry that has a moment: left untouched, it is not written back.
    kept_moment = False
    # Fields that bound a range, low then high: a kind's form checks those it has.
    RANGES = (("reference_low", "reference_high"),)

    def __init__(self, *args: Any, account: HasUnits | None = None, **kwargs: Any) -> None:
        """``account``: whose units a distance is typed in (kilometres or miles)."""
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            if isinstance(field, DistanceField):
                field.use(account)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for low, high in self.RANGES:
            if data.get(low) is not None and data.get(high) is not None and data[low] > data[high]:
                self.add_error(high, _("The upper limit of the range is below its lower limit."))
        return data

    @classmethod
    def for_entry(
        cls, entry: Entry, data: Any = None, *, account: HasUnits | None = None
    ) -> EntryForm:
        initial: dict[str, Any] = {"version": entry.version}
        for name in cls.kind.form_fields:
            if is_partial_date(cls.kind, name):
                value = getattr(entry, name)
                initial[name] = (
                    PartialDate.from_stored(value, getattr(entry, f"{name}_precision"))
                    if value
                    else None
                )
            elif name == "code":
                # The code in this kind's system, not whatever code a source listed first.
                ours = [c["code"] for c in entry.codings if c.get("system") == cls.kind.code_system]
                initial[name] = ours[0] if ours else ("" if entry.codings else entry.code)
            else:
                initial[name] = getattr(entry, name)
        moment = entry.taken_at if isinstance(entry, Observation) else None
        if moment is not None:
            # Shown, and typed back, on the editor's clock (records/taken.py).
            local = timezone.localtime(moment)
            initial["date"] = PartialDate.from_stored(local.date(), Precision.DAY)
            initial["effective_time"] = local.time()
        form = cls(data, initial=initial, account=account)
        for name, field in form.fields.items():
            if isinstance(field, DistanceField):
                form.initial[name] = field.shown(initial[name])
        form.existing_codings = list(entry.codings)
        form.kept_moment = moment is not None
        return form

    def entry_values(self) -> dict[str, Any]:
        """The cleaned values as model attributes: partial dates split, the code as a coding."""
        values: dict[str, Any] = {}
        for name in self.kind.form_fields:
            value = self.cleaned_data[name]
            if is_partial_date(self.kind, name):
                values[name] = value.earliest if value else None
                values[f"{name}_precision"] = value.precision.value if value else "day"
            elif name == "code":
                if {"code", "display"} & set(self.changed_data):
                    values.update(self._coding_values(value.strip()))
            elif isinstance(field := self.fields[name], DistanceField):
                # Shown rounded in the reader's unit: written back only when changed.
                if name in self.changed_data:
                    values[name] = field.stored(value)
            elif name == "unit_text":
                if name not in values:
                    values[name] = value
                    # A unit typed by the person replaces the UCUM code a source gave.
                    if name in self.changed_data:
                        values["unit"] = ""
            elif name not in values:
                values[name] = value
        if self.kept_moment and not {"date", "effective_time"} & set(self.changed_data):
            # Left as it was: the moment stays as its source wrote it.
            for name in ("date", "date_precision", "effective_time"):
                values.pop(name, None)
        return values

    def _coding_values(self, typed_code: str) -> dict[str, Any]:
        """The codings after an edit: ours replaced, the source's other codings kept."""
        values: dict[str, Any] = {}
        display = self.cleaned_data.get("display", "")
        known = self._known_code(display)
        # A name picked from the suggestions brings its code (and unit) along.
        code = typed_code or (known.code if known else "")
        if known and known.unit and not self.cleaned_data.get("unit_text"):
            values["unit_text"] = values["unit"] = known.unit
        system = self.kind.code_system
        ours = [{"system": system, "code": code, "display": display}] if code else []
        codings = ours + [
            coding for coding in self.existing_codings if coding.get("system") != system
        ]
        first = codings[0] if codings else {}
        values.update(
            codings=codings, code_system=first.get("system", ""), code=first.get("code", "")
        )
        return values

    def _known_code(self, display: str) -> codes.Code | None:
        table = CODE_TABLES.get(self.kind.slug)
        return codes.find_by_name(table(), display) if table else None

    @property
    def suggestions(self) -> list[str]:
        make = SUGGESTIONS.get(self.kind.slug)
        return make(translation.get_language() or "en") if make else []


def form_class(kind: Kind) -> type[EntryForm]:
    return _form_class(kind.slug)


@cache
def _form_class(slug: str) -> type[EntryForm]:
    kind = KINDS[slug]
    fields: dict[str, Any] = {"kind": kind}
    for name in kind.form_fields:
        model_field_ = kind.model_field(name)
        if is_partial_date(kind, name):
            label = kind.date_label if name == "date" else capfirst(model_field_.verbose_name)
            fields[name] = PartialDateField(label=label, required=False)
        elif name == "display":
            attrs = (
                {"list": SUGGESTIONS_ID, "autocomplete": "off"} if kind.slug in SUGGESTIONS else {}
            )
            fields[name] = model_field(
                kind.model, name, label=kind.display_label, widget=forms.TextInput(attrs=attrs)
            )
        elif name == "duration":
            fields[name] = DurationField(label=capfirst(model_field_.verbose_name))
        elif name == "distance":
            fields[name] = DistanceField(required=False)
        elif name in UNIT_LABELS:
            fields[name] = model_field(kind.model, name, label=UNIT_LABELS[name])
        elif name in TEXTAREA_FIELDS:
            fields[name] = model_field(kind.model, name, widget=forms.Textarea(attrs={"rows": 3}))
        elif name in {"starts_at", "ends_at"}:
            fields[name] = model_field(
                kind.model,
                name,
                widget=forms.DateTimeInput(
                    attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"
                ),
            )
        elif isinstance(model_field_, models.URLField):
            # A portal address typed without a scheme is HTTPS.
            fields[name] = model_field(kind.model, name, assume_scheme="https")
        elif name == "effective_time":
            fields[name] = model_field(
                kind.model, name, widget=forms.TimeInput(attrs={"type": "time"})
            )
        else:
            fields[name] = model_field(kind.model, name)
    if kind.slug == "workouts":
        fields["display"].required = False
        fields["display"].help_text = _("Optional. Left empty, it is named after the activity.")
    if "code" in kind.form_fields:
        fields["code"].help_text = _(
            "Optional. The code the clinic or the lab used, if you have it."
        )
    return type(f"{kind.model.__name__}Form", (EntryForm,), fields)


class TimelineForm(forms.Form):
    kinds = forms.MultipleChoiceField(
        label=_("Show"), required=False, widget=forms.CheckboxSelectMultiple, choices=()
    )
    source = forms.TypedChoiceField(
        label=_("Source"), required=False, coerce=uuid.UUID, empty_value=None
    )
    start = forms.DateField(
        label=pgettext_lazy("start of a date range", "From"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    end = forms.DateField(
        label=_("Until"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(
        self, *args: Any, profile: Profile, reader: User | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        kinds = self.fields["kinds"]
        assert isinstance(kinds, forms.MultipleChoiceField)
        kinds.choices = [(slug, capfirst(kind.plural)) for slug, kind in KINDS.items()]
        source = self.fields["source"]
        assert isinstance(source, forms.TypedChoiceField)
        # Named as every page names them (records/sources.py): never an address or a file.
        typists = Typists(profile.pk)
        source.choices = [("", _("All sources"))] + [
            (str(item.uuid), source_label(item, reader, typists=typists))
            for item in Source.objects.filter(profile_id=profile.pk)
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("start") and data.get("end") and data["start"] > data["end"]:
            raise forms.ValidationError(_("The start of the range is after its end."))
        return data

    def filters(self) -> TimelineFilter:
        data = self.cleaned_data
        return TimelineFilter(
            kinds=tuple(data.get("kinds") or ()),
            source=data.get("source"),
            start=data.get("start"),
            end=data.get("end"),
        )


class HomeReadingsForm(forms.Form):
    when = forms.DateTimeField(
        label=_("When"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    systolic = forms.IntegerField(
        label=_("Systolic (upper)"), min_value=40, max_value=300, required=False
    )
    diastolic = forms.IntegerField(
        label=_("Diastolic (lower)"), min_value=20, max_value=200, required=False
    )
    pulse = forms.IntegerField(
        label=_("Pulse (beats a minute)"), min_value=20, max_value=250, required=False
    )
    glucose = forms.FloatField(label=_("Glucose"), min_value=0.5, max_value=1000, required=False)
    glucose_unit = forms.ChoiceField(
        label=_("Glucose unit"), choices=[("mg/dL", "mg/dL"), ("mmol/L", "mmol/L")], required=False
    )
    weight = forms.FloatField(label=_("Weight (kg)"), min_value=0.5, max_value=500, required=False)
    temperature = forms.FloatField(
        label=_("Temperature (°C)"), min_value=30, max_value=45, required=False
    )
    oxygen = forms.IntegerField(
        label=_("Oxygen saturation (%)"), min_value=50, max_value=100, required=False
    )

    VALUES = ("systolic", "diastolic", "pulse", "glucose", "weight", "temperature", "oxygen")

    def __init__(self, *args: Any, account: HasUnits | None = None, **kwargs: Any) -> None:
        """Typed in the person's units (lb, °F, mmol/L); ``clean`` gives kg and °C to store."""
        super().__init__(*args, **kwargs)
        self.units = Preferences.of(account)
        if self.units.laboratory == formatting.SI:
            self.fields["glucose_unit"].initial = "mmol/L"
        if self.units.body == formatting.US:
            self.fields["weight"] = forms.FloatField(
                label=_("Weight (lb)"), min_value=1, max_value=1100, required=False
            )
            self.fields["temperature"] = forms.FloatField(
                label=_("Temperature (°F)"), min_value=86, max_value=113, required=False
            )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.units.body == formatting.US:
            # Stored in kg and °C, the units the readings' codes are kept in everywhere;
            # two decimals keep what was typed to a tenth of a pound or a degree.
            for name, source, target in (
                ("weight", "[lb_av]", "kg"),
                ("temperature", "[degF]", "Cel"),
            ):
                if data.get(name) is not None:
                    data[name] = round(convert(data[name], source, target), 2)
        if (data.get("systolic") is None) != (data.get("diastolic") is None):
            raise forms.ValidationError(_("Enter both blood pressure numbers, or neither."))
        if all(data.get(name) is None for name in self.VALUES):
            raise forms.ValidationError(_("Enter at least one reading."))
        when = data.get("when")
        if when and when > timezone.now() + dt.timedelta(minutes=5):
            raise forms.ValidationError(_("A reading cannot be in the future."))
        return data
