"""Which medicine an entry states: its active ingredients, by its RxNorm code or else its name.

Two entries are the same medicine when they contain the same set of active
ingredients, named as RxNorm names them in English and in lower case:
"Tylenol 500 mg", RxNorm 209459 and "paracetamol" typed by hand are all
{"acetaminophen"}. Never a guess:

- A code first. An RxNorm code in data/rxnorm.csv (a clinical or branded
  drug, an ingredient, a precise ingredient, a brand, a pack) stands for its
  ingredients. Known codes that disagree leave the entry unknown.
- Else the name, word by word (the entry's, else its codings' own names when
  they agree). Every word must be part of a known name (medicines.csv in any
  language, a brand or a salt's own name in medicine_names.csv, an
  ingredient of rxnorm.csv), or a strength ("500 MG", "100MG/ML"), a dose
  form or release ("oral tablet", "delayed release", "injectable
  solution"), a salt ("sodium", "HCl": "levothyroxine sodium" is
  levothyroxine) or a vendor's filler ("HOME MEDICATIONS", "(in
  polysorbate)"). A combination is all the names it joins ("Tylenol with
  Codeine" is {"acetaminophen", "codeine"}), never one of its parts; one
  word left over, as the "3" of "Tylenol with Codeine #3", and the name is
  not known.
- A name in which no known name occurs is its own identity only when it is
  one plain word beside strengths and forms, as "Fooxicillin 20 mg" is
  {"fooxicillin"}: the same word is the same medicine, a different word a
  different one. Not with a salt word, since the base is then uncertain
  ("mycophenolate sodium" is mycophenolic acid, "mycophenolate mofetil" is
  not), nor for words that name no one substance ("insulin", "RxNorm").

The strength is read the same way, the code's first, and compares after unit
conversion: "500 mcg/mL" is "0.5 MG/ML", "160 mg/5 mL" is "32 MG/ML", and
"1 MG" is not "100 mcg".
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Container, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, localcontext
from functools import cache
from typing import Any, Literal

from myhealthhub.lib import codes

RXNORM_SYSTEMS = frozenset(
    {
        "http://www.nlm.nih.gov/research/umls/rxnorm",
        "urn:oid:2.16.840.1.113883.6.88",
        "2.16.840.1.113883.6.88",
    }
)

How = Literal["rxnorm", "name"]


@dataclass(frozen=True)
class Ingredients:
    """What an entry contains, and how that is known: by an RxNorm ``code``, or by its name."""

    ingredients: frozenset[str]
    how: How
    # The RxNorm code that told, when ``how`` is "rxnorm"; "" for a name.
    code: str = ""


@dataclass(frozen=True, order=True)
class Amount:
    """One ingredient's amount per one ``per``: mg, units, mEq, mmol or %, per mL, actuation..."""

    unit: str
    per: str
    value: Decimal


@dataclass(frozen=True)
class Strength:
    """A strength as written ("100 mcg/0.5 mL"); two are equal when their amounts are."""

    amounts: tuple[Amount, ...]
    text: str = field(default="", compare=False)

    def __str__(self) -> str:
        return self.text


def ingredients_of(codings: Sequence[Mapping[str, Any]], display: str) -> Ingredients | None:
    """A medication entry's ingredients, by its RxNorm codes else its name; None when unsure."""
    concepts = _concepts(codings)
    if concepts:
        if len({concept.ingredients for concept in concepts}) > 1:
            return None  # two codes of the entry name different medicines
        return Ingredients(concepts[0].ingredients, "rxnorm", concepts[0].code)
    texts = _texts(codings, display)
    found = ingredients_in_name(texts[0]) if texts else None
    if found is None and len(texts) > 1:
        # The codings' own names, when they agree on one reading.
        others = {each for text in texts[1:] if (each := ingredients_in_name(text)) is not None}
        found = others.pop() if len(others) == 1 else None
    return Ingredients(found, "name") if found else None


def ingredients_in_name(name: str) -> frozenset[str] | None:
    """The ingredients a medicine's name states, by the rules above; None when not known."""
    words = _words(_QUANTITY.sub(" ", _folded(name)))
    index = _index()
    found: set[str] = set()
    unknown: list[str] = []
    salted = False
    at = 0
    while at < len(words):
        if size := _longest(words, at, index):
            found |= index[tuple(words[at : at + size])]
        elif size := _longest(words, at, _FILLER):
            pass
        else:
            size = 1
            salted = salted or words[at] in _SALTS
            if words[at] not in _SALTS:
                unknown.append(words[at])
        at += size
    if found:
        return frozenset(found) if not unknown else None
    if len(unknown) == 1 and not salted and _is_plain_name(unknown[0]):
        return frozenset(unknown)
    return None


def strength_of(codings: Sequence[Mapping[str, Any]], display: str) -> Strength | None:
    """The strength the entry's RxNorm code or else its name states; None when none or unclear.

    A name that states more amounts (or fewer) than the medicine has
    ingredients contradicts itself, as Meditech's "Levothyroxine Sodium
    (***LEVOTHYROXINE SODIUM 1 MG TABLET) 200 MCG TABLET" does: None.
    """
    coded = [parse_strength(concept.strength) for concept in _concepts(codings)]
    known = {strength for strength in coded if strength is not None}
    if known:
        return known.pop() if len(known) == 1 else None
    medicine = ingredients_of(codings, display)
    for text in _texts(codings, display):
        strength = parse_strength(text)
        if strength is None:
            continue
        if medicine and len(strength.amounts) != len(medicine.ingredients):
            return None
        return strength
    return None


def parse_strength(text: str) -> Strength | None:
    """Every amount a text states ("25 mg-500 mg"), each once; None when it states none."""
    amounts: list[Amount] = []
    written: list[str] = []
    for match in _QUANTITY.finditer(_folded(text)):
        unit = _UNITS.get(match["unit"])
        if unit is None:
            continue  # a volume, a count of actuations or a duration: how much, not how strong
        per_number = _number(match["per_number"]) if match["per_number"] else Decimal(1)
        per_unit, per_factor, per_written = _PER_UNITS.get(match["per"] or "", ("", Decimal(1), ""))
        for number in re.split(r"\s*[/-]\s*", match["numbers"]):
            with localcontext() as context:
                context.prec = 12
                value = _number(number) * unit[1] / (per_number * per_factor)
            amount = Amount(unit[0], per_unit, value.normalize())
            if amount in amounts or value <= 0:
                continue  # "100 mcg (0.1 mg)" says one amount twice
            amounts.append(amount)
            written.append(_written(number, unit[2], match["per_number"], per_written))
    if not amounts:
        return None
    return Strength(tuple(sorted(amounts)), " / ".join(written))


# Reading codes and texts ------------------------------------------------------------


def _concepts(codings: Sequence[Mapping[str, Any]]) -> list[codes.RxNormConcept]:
    table = codes.rxnorm_concepts()
    found = []
    for coding in codings:
        code = str(coding.get("code") or "").strip()
        if str(coding.get("system") or "").strip() in RXNORM_SYSTEMS and code in table:
            found.append(table[code])
    return found


def _texts(codings: Sequence[Mapping[str, Any]], display: str) -> list[str]:
    """The entry's name, then its codings' names: iPatientCare names every medicine "RxNorm"."""
    texts = [display or ""] + [str(coding.get("display") or "") for coding in codings]
    return [text for text in dict.fromkeys(texts) if text.strip()]


def _folded(text: str) -> str:
    """Lower case without accents, "µg" as "mcg": how names are compared."""
    text = unicodedata.normalize("NFKD", text.casefold()).replace("\u03bcg", "mcg")
    return "".join(character for character in text if not unicodedata.combining(character))


def _words(text: str) -> list[str]:
    return [word for word in re.findall(r"[a-z0-9]+", text) if word not in _CONNECTORS]


@cache
def _index() -> dict[tuple[str, ...], frozenset[str]]:
    """Every known name as its words, with its ingredients."""
    named: list[tuple[str, frozenset[str]]] = []
    for medicine in codes.medicines():
        named += [(name, medicine.ingredients) for name in medicine.names]
    named += [(known.name, known.ingredients) for known in codes.medicine_names()]
    for concept in codes.rxnorm_concepts().values():
        named += [(ingredient, frozenset({ingredient})) for ingredient in concept.ingredients]
    index: dict[tuple[str, ...], frozenset[str]] = {}
    for name, ingredients in named:
        words = tuple(_words(_folded(name)))
        if len(words) > _MOST_WORDS:
            raise ValueError(f"{name!r} has more than {_MOST_WORDS} words: raise _MOST_WORDS")
        if index.setdefault(words, ingredients) != ingredients:
            raise ValueError(
                f"{name!r} names both {sorted(index[words])} and {sorted(ingredients)}"
            )
    return index


def _longest(words: list[str], at: int, known: Container[tuple[str, ...]]) -> int:
    """How many words from ``at`` make the longest name in ``known``; 0 for none."""
    most = min(_MOST_WORDS, len(words) - at)
    return next((n for n in range(most, 0, -1) if tuple(words[at : at + n]) in known), 0)


def _is_plain_name(word: str) -> bool:
    return word.isalpha() and len(word) >= 4 and word not in _NOT_ONE_SUBSTANCE


def _number(text: str) -> Decimal:
    return Decimal(text.replace(",", ""))


def _written(number: str, unit: str, per_number: str | None, per: str) -> str:
    amount = f"{number}%" if unit == "%" else f"{number} {unit}"
    if not per:
        return amount
    return f"{amount}/{per_number} {per}" if per_number else f"{amount}/{per}"


# The words ---------------------------------------------------------------------------


def _set_of(words: str) -> frozenset[str]:
    return frozenset(words.split())


# Units an amount is in: (compared as, factor to it, written as).
_MASS = dict.fromkeys(_set_of("mcg ug microgram micrograms microgramo microgramos"), "0.001")
_MASS |= dict.fromkeys(_set_of("mg milligram milligrams miligramo miligramos"), "1")
_MASS |= dict.fromkeys(_set_of("g gm gram grams gramo gramos"), "1000")
_UNITS: dict[str, tuple[str, Decimal, str]] = {
    **{
        name: ("mg", Decimal(factor), {"0.001": "mcg", "1": "mg"}.get(factor, "g"))
        for name, factor in _MASS.items()
    },
    # RxNorm writes international units as UNT too; Spanish labels write UI.
    **dict.fromkeys(("unt", "unit", "units", "iu", "ui"), ("units", Decimal(1), "units")),
    "meq": ("mEq", Decimal(1), "mEq"),
    "mmol": ("mmol", Decimal(1), "mmol"),
    "%": ("%", Decimal(1), "%"),
}
_VOLUME = _set_of("ml milliliter milliliters millilitre millilitres mililitro mililitros cc")
# Units an amount is per: (compared as, factor to it, written as).
_PER_UNITS: dict[str, tuple[str, Decimal, str]] = {
    **dict.fromkeys(_VOLUME, ("mL", Decimal(1), "mL")),
    "l": ("mL", Decimal(1000), "L"),
    # HenrySchein writes "ACTUANT".
    **dict.fromkeys(
        _set_of("actuat actuation actuations actuant puff puffs"), ("actuat", Decimal(1), "actuat")
    ),
    **dict.fromkeys(_set_of("hr hrs h hour hours"), ("hr", Decimal(1), "hr")),
    **dict.fromkeys(_set_of("day days"), ("hr", Decimal(24), "day")),
    # VistA's "1GM/VI".
    **dict.fromkeys(_set_of("vial vi"), ("vial", Decimal(1), "vial")),
    **dict.fromkeys(_set_of("g gm"), ("g", Decimal(1), "g")),
}
# How much rather than how strong, read only to be set aside: "1 ML", "120 ACTUAT", "28 Day".
_HOW_MUCH = _VOLUME | _set_of("l actuat actuation actuations hr hrs hour hours day days")


def _alternatives(words: Iterable[str]) -> str:
    return "|".join(re.escape(word) for word in sorted(set(words), key=len, reverse=True))


_NUMBER = r"(?:\d+(?:,\d{3})+|\d+)(?:\.\d+)?|\.\d+"
_QUANTITY = re.compile(
    rf"(?<![a-z0-9.])(?P<numbers>(?:{_NUMBER})(?:\s*[/-]\s*(?:{_NUMBER}))*)\s*"
    rf"(?P<unit>{_alternatives([*_UNITS, *_HOW_MUCH])})(?![a-z])"
    rf"(?:\s*(?:/|\bper\b)\s*(?P<per_number>{_NUMBER})?\s*"
    rf"(?P<per>{_alternatives(_PER_UNITS)})(?![a-z]))?"
    # Application numbers, as in Synthea's "NDA020800 0.3 ML Epinephrine 1 MG/ML Auto-Injector".
    r"|\b(?:a?nda|bla)\d+\b"
)

# "Amoxicillin and clavulanic acid", "Tylenol with Codeine", "Amoxicilina y ácido clavulánico".
_CONNECTORS = _set_of("and with plus y con de")

# Salts and esters by which RxNorm names a precise form of the same ingredient
# ("levothyroxine sodium", "cefpodoxime proxetil"). Never "mofetil": mycophenolate
# mofetil is an ingredient of its own.
_SALTS = _set_of(
    """
    sodium sod na potassium calcium magnesium hcl hydrochloride dihydrochloride hbr hydrobromide
    bromide chloride sulfate sulphate phosphate acetate succinate tartrate bitartrate maleate
    fumarate mesylate besylate citrate propionate dipropionate furoate valerate hyclate hydrate
    monohydrate dihydrate trihydrate hemihydrate anhydrous macrocrystals macrocrystalline
    proxetil axetil pivoxil benzathine procaine estolate ethylsuccinate stearate lactate gluconate
    decanoate enanthate cypionate medoxomil
    sodico sodica potasico potasica calcico calcica clorhidrato hidrocloruro bromhidrato fosfato
    acetato succinato tartrato maleato fumarato mesilato besilato citrato propionato valerato
    monohidrato trihidrato dihidrato proxetilo axetilo benzatina
    """
)

# Dose forms, releases, routes, packs and vendors' filler: words that name no substance.
_FILLER_WORDS = _set_of(
    """
    oral orally tablet tablets tab tabs tabl caplet caplets capsule capsules cap caps gelcap
    gelcaps softgel chewable disintegrating rapdis odt film coated delayed extended release
    released dr ec er xr sr xl cr solution soln recon reconstituted injectable injection inj
    syringe syringes syrin syr disp prefilled vial vials suspension susp liquid elixir syrup
    drops cream ointment gel lotion patch transdermal topical inhalant inhalation inhaler metered
    dose aerosol aer hfa spray mucosal nasal ophthalmic otic powder packet kit pack implant
    intrauterine system vaginal ring injector pen iv im sc subcutaneous intravenous
    intramuscular sublingual buccal rectal suppository lozenge for per singleject drug pf geq
    comprimido comprimidos comp capsula capsulas solucion inyectable jarabe gotas sobre sobres
    crema pomada recubierto recubiertos pelicula efervescente efervescentes liberacion prolongada
    retardada modificada bucodispersable bucodispersables jeringa precargada ampolla ampollas
    polvo inhalador parche parches duras blandas gastrorresistentes gastrorresistente masticables
    masticable dispersables dispersable
    """
)
_FILLER: frozenset[tuple[str, ...]] = frozenset({(word,) for word in _FILLER_WORDS}) | {
    ("albumin", "free"),
    ("preservative", "free"),
    # Meditech cuts "polysorbate" short.
    ("in", "polysorbate"),
    ("in", "polysorbat"),
    ("extra", "strength"),
    ("regular", "strength"),
    ("maximum", "strength"),
    ("cool", "caplet"),
    # VistA's "HOME MEDICATIONS ACETAMINOPHEN 500MG TAB".
    ("home", "medications"),
    # Epic's "ALBUTEROL INHALER HFA 90 MCG HFA AER AD".
    ("aer", "ad"),
    ("auto", "injector"),
    ("abuse", "deterrent"),
}

# The most words a known name or filler has ("triaminic fever pain").
_MOST_WORDS = 6

# Single words written where a name goes that are no one substance.
_NOT_ONE_SUBSTANCE = _set_of(
    """
    rxnorm ndc snomed null nullflavor unknown none other text medication medications medicine
    medicines drug drugs insulin vitamin vitamins antibiotic antibiotics steroid steroids
    supplement supplements contraceptive chemotherapy vaccine placebo declined refused
    unspecified various
    """
)
