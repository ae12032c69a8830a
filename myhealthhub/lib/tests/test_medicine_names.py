"""A medication entry is known by its ingredients: by its RxNorm code, else by its name, never guessed.

The cases are the real ones: every medicine that eleven certified EHRs wrote
for the ONC test patient Rebecca Larson (../shared/data/reconcile/larson),
copied below as each file names and codes it, so these tests stand without
the shared folder; the last tests read the files themselves when it is there.
"""

from __future__ import annotations

import io
import json
from decimal import Decimal

import pytest

from myhealthhub.lib import codes
from myhealthhub.lib.medicine_names import (
    Amount,
    Ingredients,
    ingredients_in_name,
    ingredients_of,
    parse_strength,
    strength_of,
)
from myhealthhub.tests.real_files import shared, shared_data, shared_in

RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm"
NDC = "http://hl7.org/fhir/sid/ndc"


def rx(code: str, display: str = "") -> list[dict[str, str]]:
    return [{"system": RXNORM, "code": code, "display": display}]


def both(*names: str) -> frozenset[str]:
    return frozenset(names)


# The twelve medicines the clinicians entered (expected.json): name, RxNorm code, ingredients.
EXPECTED = [
    ("Ceftriaxone 100 MG/ML", "309090", both("ceftriaxone")),
    ("Vantin 200 MG (cefpodoxime 200 mg oral tablet)", "214078", both("cefpodoxime")),
    ("Tylenol 500 mg", "209459", both("acetaminophen")),
    ("Aranesp 0.5 MG/ML", "731241", both("darbepoetin alfa")),
    ("Clindamycin 300 mg", "284215", both("clindamycin")),
    ("Torsemide 20 mg", "198371", both("torsemide")),
    ("Levothyroxine sodium 1 MG", "892279", both("levothyroxine")),
    ("Prednisolone 50 mg", "348428", both("prednisolone")),
    ("Fenofibric acid 35 mg", "860886", both("fenofibric acid")),
    ("Mycophenolic acid 360 mg", "485023", both("mycophenolic acid")),
    ("Everolimus 0.5 mg", "977434", both("everolimus")),
    ("Ciprofloxacin 250 mg", "197511", both("ciprofloxacin")),
]
# What vendors wrote instead, where they were allowed to change an item.
VENDOR_CHANGES = [both("prednisone"), both("acetaminophen", "diphenhydramine")]

# Every medication of the eleven files as the C-CDA importer reads it: vendor,
# RxNorm code, the entry's name, its RxNorm coding's own name where the entry's
# name is "RxNorm" (iPatientCare), the ingredients and the strength.
LARSON = [
    ("Meditech", "198440", "Acetaminophen", "", "acetaminophen", "500 mg"),
    (
        "McKesson",
        "209459",
        "Acetaminophen 500 MG Oral Tablet [Tylenol]",
        "",
        "acetaminophen",
        "500 mg",
    ),
    ("iPatientCare", "209459", "RxNorm", "Tylenol 500 Mg Tablet", "acetaminophen", "500 mg"),
    ("Intellichart", "209459", "Tylenol 500 mg", "", "acetaminophen", "500 mg"),
    ("Carefluence", "209459", "Tylenol 500mg", "", "acetaminophen", "500 mg"),
    (
        "Allscripts",
        "209459",
        "Tylenol Cool Caplet Extra Strength 500 mg oral tablet",
        "",
        "acetaminophen",
        "500 mg",
    ),
    (
        "Amrita",
        "209459",
        "Tylenol Extra Strength 500 mg oral tablet",
        "",
        "acetaminophen",
        "500 mg",
    ),
    (
        "NextTech",
        "1092189",
        "Tylenol PM Extra Strength 25 mg-500 mg tablet",
        "",
        "acetaminophen;diphenhydramine",
        "500 mg / 25 mg",
    ),
    ("Carefluence", "214077", "Vantin 100MG(cefpodoxime 100mg)", "", "cefpodoxime", "100 mg"),
    (
        "Intellichart",
        "214078",
        "Vantin (cefpodoxime 200mg Oral Tabl 200 MG",
        "",
        "cefpodoxime",
        "200 mg",
    ),
    ("Get Real Health", "214078", "Vantin 200MG (cefpodoxime 200mg)", "", "cefpodoxime", "200 mg"),
    ("Meditech", "309078", "Cefpodoxime Proxetil", "", "cefpodoxime", "200 mg"),
    ("McKesson", "309078", "cefpodoxime 200 MG Oral Tablet", "", "cefpodoxime", "200 mg"),
    ("Allscripts", "309078", "cefpodoxime 200 mg oral tablet", "", "cefpodoxime", "200 mg"),
    ("NextTech", "309078", "cefpodoxime 200 mg tablet", "", "cefpodoxime", "200 mg"),
    ("Intellichart", "309090", "Ceftriaxone 100 MG/ML", "", "ceftriaxone", "100 mg/mL"),
    (
        "Amrita",
        "309090",
        "Ceftriaxone 100 MG/ML Injectable Solution",
        "",
        "ceftriaxone",
        "100 mg/mL",
    ),
    ("Carefluence", "309090", "Ceftriaxone 100MG/ML", "", "ceftriaxone", "100 mg/mL"),
    ("Meditech", "309090", "Ceftriaxone Sodium", "", "ceftriaxone", "100 mg/mL"),
    (
        "iPatientCare",
        "309090",
        "RxNorm",
        "Ceftriaxone 100 Gram Recon Soln",
        "ceftriaxone",
        "100 mg/mL",
    ),
    ("Allscripts", "309090", "cefTRIAXone 10 g injection", "", "ceftriaxone", "100 mg/mL"),
    (
        "NextTech",
        "309090",
        "ceftriaxone 100 gram solution for injection",
        "",
        "ceftriaxone",
        "100 mg/mL",
    ),
    ("McKesson", "197511", "Ciprofloxacin 250 MG Oral Tablet", "", "ciprofloxacin", "250 mg"),
    ("Intellichart", "197511", "Ciprofloxacin 250 mg", "", "ciprofloxacin", "250 mg"),
    ("Carefluence", "197511", "Ciprofloxacin 250mg", "", "ciprofloxacin", "250 mg"),
    ("Meditech", "197511", "Ciprofloxacin Hcl", "", "ciprofloxacin", "250 mg"),
    (
        "iPatientCare",
        "197511",
        "RxNorm",
        "Ciprofloxacin Hcl 250 Mg Tablet",
        "ciprofloxacin",
        "250 mg",
    ),
    ("Allscripts", "197511", "ciprofloxacin 250 mg oral tablet", "", "ciprofloxacin", "250 mg"),
    ("NextTech", "197511", "ciprofloxacin 250 mg tablet", "", "ciprofloxacin", "250 mg"),
    ("McKesson", "284215", "Clindamycin 300 MG Oral Capsule", "", "clindamycin", "300 mg"),
    ("Intellichart", "284215", "Clindamycin 300 mg", "", "clindamycin", "300 mg"),
    ("Carefluence", "284215", "Clindamycin 300mg", "", "clindamycin", "300 mg"),
    ("Meditech", "284215", "Clindamycin Hcl", "", "clindamycin", "300 mg"),
    ("iPatientCare", "284215", "RxNorm", "Clindamycin Hcl 300 Mg Capsule", "clindamycin", "300 mg"),
    ("NextTech", "284215", "clindamycin 300 mg capsule", "", "clindamycin", "300 mg"),
    ("Allscripts", "284215", "clindamycin 300 mg oral capsule", "", "clindamycin", "300 mg"),
    (
        "NextTech",
        "730044",
        "Aranesp 100 mcg/0.5 mL (in polysorbate) injection syringe",
        "",
        "darbepoetin alfa",
        "100 mcg/0.5 mL",
    ),
    (
        "Meditech",
        "730044",
        "Darbepoetin Alfa In Polysorbat",
        "",
        "darbepoetin alfa",
        "100 mcg/0.5 mL",
    ),
    ("Carefluence", "731184", "Darbepoetin Alfa 0.5 MG/ML", "", "darbepoetin alfa", "0.5 mg/mL"),
    (
        "McKesson",
        "731241",
        "1 ML darbepoetin alfa 0.5 MG/ML Prefilled Syringe [Aranesp]",
        "",
        "darbepoetin alfa",
        "0.5 mg/mL",
    ),
    ("Intellichart", "731241", "Aranesp 0.5 MG/ML", "", "darbepoetin alfa", "0.5 mg/mL"),
    (
        "Allscripts",
        "731241",
        "Aranesp SingleJect 500 mcg/mL injectable solution",
        "",
        "darbepoetin alfa",
        "0.5 mg/mL",
    ),
    (
        "iPatientCare",
        "731241",
        "RxNorm",
        "Aranesp (In Polysorbate) 500 Mcg/Ml Syringe",
        "darbepoetin alfa",
        "0.5 mg/mL",
    ),
    ("Meditech", "977434", "Everolimus", "", "everolimus", "0.5 mg"),
    ("Carefluence", "977434", "Everolimus 0.5 mg", "", "everolimus", "0.5 mg"),
    ("iPatientCare", "977434", "RxNorm", "Everolimus 0.5 Mg Tablet", "everolimus", "0.5 mg"),
    ("NextTech", "977434", "Zortress 0.5 mg tablet", "", "everolimus", "0.5 mg"),
    ("Allscripts", "977434", "everolimus 0.5 mg oral tablet", "", "everolimus", "0.5 mg"),
    ("McKesson", "977436", "everolimus 0.5 MG Oral Tablet [Zortress]", "", "everolimus", "0.5 mg"),
    ("Carefluence", "860886", "FenoFibric Acid 35 mg", "", "fenofibric acid", "35 mg"),
    ("Meditech", "860886", "Fenofibric Acid", "", "fenofibric acid", "35 mg"),
    (
        "iPatientCare",
        "860886",
        "RxNorm",
        "Fenofibric Acid 35 Mg Tablet",
        "fenofibric acid",
        "35 mg",
    ),
    ("McKesson", "860886", "fenofibric acid 35 MG Oral Tablet", "", "fenofibric acid", "35 mg"),
    ("Allscripts", "860886", "fenofibric acid 35 mg oral tablet", "", "fenofibric acid", "35 mg"),
    ("NextTech", "860886", "fenofibric acid 35 mg tablet", "", "fenofibric acid", "35 mg"),
    (
        "Allscripts",
        "892246",
        "levothyroxine 100 mcg (0.1 mg) oral tablet",
        "",
        "levothyroxine",
        "0.1 mg",
    ),
    ("NextTech", "892246", "levothyroxine 100 mcg tablet", "", "levothyroxine", "0.1 mg"),
    ("Meditech", "892251", "Levothyroxine Sodium", "", "levothyroxine", ""),
    ("Carefluence", "892279", "Levothyroxine Sodium 1 MG", "", "levothyroxine", "1 mg"),
    ("Intellichart", "892279", "Levothyroxine Sodium 1 mg", "", "levothyroxine", "1 mg"),
    (
        "McKesson",
        "966250",
        "Levothyroxine Sodium 0.1 MG Oral Tablet [Synthroid]",
        "",
        "levothyroxine",
        "0.1 mg",
    ),
    ("Meditech", "485023", "Mycophenolate Sodium", "", "mycophenolic acid", "360 mg"),
    (
        "McKesson",
        "485023",
        "Mycophenolic Acid 360 MG Delayed Release Oral Tablet",
        "",
        "mycophenolic acid",
        "360 mg",
    ),
    ("Carefluence", "485023", "Mycophenolic Acid 360 mg", "", "mycophenolic acid", "360 mg"),
    (
        "iPatientCare",
        "485023",
        "RxNorm",
        "Mycophenolate Sodium 360 Mg Tablet,Delayed Release (Dr/Ec)",
        "mycophenolic acid",
        "360 mg",
    ),
    (
        "NextTech",
        "485023",
        "mycophenolate sodium 360 mg tablet,delayed release",
        "",
        "mycophenolic acid",
        "360 mg",
    ),
    (
        "Allscripts",
        "485023",
        "mycophenolic acid 360 mg oral delayed release tablet",
        "",
        "mycophenolic acid",
        "360 mg",
    ),
    ("Allscripts", "198142", "prednisoLONE 5 mg oral tablet", "", "prednisolone", "5 mg"),
    ("Intellichart", "348428", "Prednisolone 50 mg", "", "prednisolone", "50 mg"),
    ("Carefluence", "348428", "Prednisolone 50mg", "", "prednisolone", "50 mg"),
    (
        "McKesson",
        "643127",
        "prednisolone 30 MG Disintegrating Oral Tablet",
        "",
        "prednisolone",
        "30 mg",
    ),
    ("Meditech", "198145", "Prednisone", "", "prednisone", ""),
    ("NextTech", "198148", "prednisone 50 mg tablet", "", "prednisone", "50 mg"),
    ("iPatientCare", "198371", "RxNorm", "Torsemide 20 Mg Tablet", "torsemide", "20 mg"),
    ("Meditech", "198371", "Torsemide", "", "torsemide", "20 mg"),
    ("Intellichart", "198371", "Torsemide 20 mg", "", "torsemide", "20 mg"),
    ("Carefluence", "198371", "Torsemide 20mg", "", "torsemide", "20 mg"),
    ("McKesson", "198371", "torsemide 20 MG Oral Tablet", "", "torsemide", "20 mg"),
    ("Allscripts", "198371", "torsemide 20 mg oral tablet", "", "torsemide", "20 mg"),
    ("NextTech", "198371", "torsemide 20 mg tablet", "", "torsemide", "20 mg"),
]


@pytest.mark.parametrize(("name", "code", "ingredients"), EXPECTED, ids=[e[1] for e in EXPECTED])
def test_each_expected_medicine_is_one_set_of_ingredients_by_code_and_by_name(
    name: str, code: str, ingredients: frozenset[str]
):
    assert ingredients_of(rx(code), name) == Ingredients(ingredients, "rxnorm", code)
    assert ingredients_of([], name) == Ingredients(ingredients, "name")


def test_the_twelve_expected_medicines_are_twelve_different_ones():
    assert len({ingredients for _name, _code, ingredients in EXPECTED}) == 12


@pytest.mark.parametrize(
    ("vendor", "code", "display", "coded_as", "ingredients", "strength"),
    LARSON,
    ids=[f"{row[0]}-{row[1]}-{number}" for number, row in enumerate(LARSON)],
)
def test_every_vendor_s_entry_is_known_by_its_code_and_by_its_name(
    vendor: str, code: str, display: str, coded_as: str, ingredients: str, strength: str
):
    expected = frozenset(ingredients.split(";"))
    codings = [*rx(code, coded_as), {"system": NDC, "code": "00054007725", "display": ""}]
    assert ingredients_of(codings, display) == Ingredients(expected, "rxnorm", code)
    # Typed by hand, or from a source that coded nothing, the name says the same.
    assert ingredients_in_name(coded_as or display) == expected
    found = strength_of(codings, display)
    assert (str(found) if found else "") == strength


def test_every_larson_entry_states_an_expected_medicine_or_a_known_vendor_change():
    stated = {frozenset(row[4].split(";")) for row in LARSON}
    assert stated == {ingredients for *_, ingredients in EXPECTED} | set(VENDOR_CHANGES)


def test_tylenol_pm_is_a_combination_not_acetaminophen():
    pm = ingredients_of(rx("1092189"), "Tylenol PM Extra Strength 25 mg-500 mg tablet")
    tylenol = ingredients_of(rx("209459"), "Tylenol 500 mg")
    assert pm and tylenol
    assert pm.ingredients == both("acetaminophen", "diphenhydramine") != tylenol.ingredients
    assert ingredients_in_name("Tylenol PM") == pm.ingredients
    assert ingredients_in_name("Tylenol with Codeine") == both("acetaminophen", "codeine")
    # A word the tables do not know leaves a name unknown, never read as its known part.
    for name in ("Tylenol with Codeine #3", "Tylenol Cold 500 mg", "Panadol Extra", "Tylenol 3"):
        assert ingredients_in_name(name) is None, name


def test_prednisone_is_not_prednisolone():
    # Meditech and NextTech changed the expected prednisolone to prednisone.
    prednisone = {ingredients_of(rx("198145"), "Prednisone"), ingredients_of(rx("198148"), "")}
    prednisolone = {ingredients_of(rx(code), "") for code in ("348428", "198142", "643127")}
    assert {found.ingredients for found in prednisone if found} == {both("prednisone")}
    assert {found.ingredients for found in prednisolone if found} == {both("prednisolone")}
    assert ingredients_in_name("prednisoLONE 5 mg") != ingredients_in_name("predniSONE 5 mg")


def test_paracetamol_typed_by_hand_is_acetaminophen():
    assert ingredients_of([], "paracetamol 500 mg") == Ingredients(both("acetaminophen"), "name")
    coded = ingredients_of(rx("209459"), "Tylenol 500 mg")
    assert coded and coded.ingredients == both("acetaminophen")
    assert strength_of([], "paracetamol 500 mg") == strength_of(rx("209459"), "Tylenol 500 mg")
    for name in ("Paracetamol 1 g comprimidos", "Gelocatil 650 mg", "ACETAMINOPHEN 500MG TAB"):
        assert ingredients_in_name(name) == both("acetaminophen"), name


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("salbutamol 100 mcg inhaler", "Albuterol 0.09 MG/ACTUAT Metered Dose Inhaler"),
        ("adrenalina 1 mg/ml jeringa precargada", "Epinephrine 1 MG/ML Auto-Injector"),
        ("Levotiroxina sódica 100 microgramos", "Synthroid 0.1 MG"),
        ("Ácido micofenólico 360 mg", "Myfortic 360 mg delayed release tablet"),
        ("micofenolato sódico 360 mg", "mycophenolate sodium 360 mg"),
        ("Amoxicilina y ácido clavulánico 875/125 mg", "Augmentin"),
        ("Amoxicillin 250 MG / Clavulanate 125 MG Oral Tablet", "co-amoxiclav"),
        ("AMOXICILLIN AND CLAVULANATE POTASSIUM 875-125 MG", "Augmentin"),
        ("Ceftriaxona 1 g", "Rocephin IV"),
        ("Cefpodoxime Proxetil", "Vantin"),
    ],
)
def test_international_spanish_brand_and_salt_names_are_one_medicine(first: str, second: str):
    assert ingredients_in_name(first) is not None
    assert ingredients_in_name(first) == ingredients_in_name(second)


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("fenofibrate 145 mg", "fenofibric acid 35 mg"),
        ("mycophenolate mofetil 500 mg", "mycophenolate sodium 360 mg"),
        ("CellCept", "Myfortic"),
        ("levothyroxine 100 mcg", "liothyronine 50 mcg"),
        ("penicillin G benzathine", "penicillin V potassium 250 mg"),
        ("estradiol", "ethinyl estradiol"),
    ],
)
def test_different_ingredients_are_never_one(first: str, second: str):
    assert ingredients_in_name(first) is not None
    assert ingredients_in_name(second) is not None
    assert ingredients_in_name(first) != ingredients_in_name(second)


def test_an_unknown_plain_name_is_its_own_identity_and_nothing_else_is():
    assert ingredients_in_name("Fooxicillin 20 mg oral tablet") == both("fooxicillin")
    assert ingredients_in_name("FOOXICILLIN 20MG") == both("fooxicillin")
    # With a salt the base is uncertain: mycophenolate sodium is not mycophenolate mofetil.
    assert ingredients_in_name("Fooxicillin sodium 20 mg") is None
    assert ingredients_in_name("mycophenolate") == both("mycophenolate")
    for name in ("Bar fooxicillin", "vitamin B12", "vitamin B6", "insulin 10 units", "RxNorm", ""):
        assert ingredients_in_name(name) is None, name
    # A known name beside an unknown one is a combination not known whole.
    for name in ("Metformin/sitagliptin", "Vantin (cefuroxime)", "Calcium carbonate 500 mg"):
        assert ingredients_in_name(name) is None, name
    assert ingredients_of([], "null") is None


def test_a_display_of_rxnorm_is_known_by_its_code():
    # iPatientCare writes the code system's name where the medicine's goes.
    assert ingredients_of(rx("198371"), "RxNorm") == Ingredients(
        both("torsemide"), "rxnorm", "198371"
    )
    # An unknown code: the coding's own name, as a name.
    found = ingredients_of(rx("99999999", "Torsemide 20 Mg Tablet"), "RxNorm")
    assert found == Ingredients(both("torsemide"), "name")
    assert ingredients_of(rx("99999999"), "RxNorm") is None


def test_a_code_outside_the_table_leaves_the_name_to_tell():
    assert ingredients_of(rx("99999999"), "Rocephin IV") == Ingredients(both("ceftriaxone"), "name")
    # The code is read only in RxNorm's system, named as FHIR or as C-CDA's OID.
    oid = [{"system": "urn:oid:2.16.840.1.113883.6.88", "code": "198371"}]
    assert ingredients_of(oid, "") == Ingredients(both("torsemide"), "rxnorm", "198371")
    assert ingredients_of([{"system": NDC, "code": "198371"}], "") is None


def test_codes_that_name_different_medicines_leave_the_entry_unknown():
    assert ingredients_of([*rx("198145"), *rx("348428")], "Prednisone") is None
    # A drug and its brand agree (HITSP: 309362 and Plavix).
    both_codes = ingredients_of([*rx("309362"), *rx("174742")], "Clopidogrel")
    assert both_codes == Ingredients(both("clopidogrel"), "rxnorm", "309362")


@pytest.mark.parametrize("coded", [True, False], ids=["coded", "typed"])
def test_levothyroxine_1_mg_and_100_mcg_are_one_ingredient_at_two_strengths(coded: bool):
    one_mg = (rx("892279") if coded else [], "Levothyroxine Sodium 1 MG")
    hundred_mcg = (rx("892246") if coded else [], "levothyroxine 100 mcg (0.1 mg) oral tablet")
    first, second = ingredients_of(*one_mg), ingredients_of(*hundred_mcg)
    assert first and second
    assert first.ingredients == second.ingredients == both("levothyroxine")
    assert strength_of(*one_mg) == parse_strength("1 mg")
    assert strength_of(*hundred_mcg) == parse_strength("0.1 mg") == parse_strength("100 mcg")
    assert strength_of(*one_mg) != strength_of(*hundred_mcg)


@pytest.mark.parametrize("coded", [True, False], ids=["coded", "typed"])
def test_aranesp_500_mcg_per_ml_is_darbepoetin_0_5_mg_per_ml(coded: bool):
    aranesp = (rx("731241") if coded else [], "Aranesp SingleJect 500 mcg/mL")
    darbepoetin = (rx("731184") if coded else [], "Darbepoetin Alfa 0.5 MG/ML")
    first, second = ingredients_of(*aranesp), ingredients_of(*darbepoetin)
    assert first and second
    assert first.ingredients == second.ingredients == both("darbepoetin alfa")
    assert strength_of(*aranesp) == strength_of(*darbepoetin)
    # A mass is not a concentration.
    assert strength_of(*aranesp) != parse_strength("0.5 mg")


@pytest.mark.parametrize(
    ("written", "same_as", "shown"),
    [
        ("500 mcg/mL", "0.5 MG/ML", "500 mcg/mL"),
        ("acetaminophen 160 mg/5 mL oral liquid", "Acetaminophen 32 MG/ML", "160 mg/5 mL"),
        ("Aranesp 100 mcg/0.5 mL", "0.2 mg/mL", "100 mcg/0.5 mL"),
        ("Ceftriaxone 100MG/ML", "100 mg per ml", "100 mg/mL"),
        ("Ceftriaxone 1GM/VI", "1000 mg/vial", "1 g/vial"),
        ("Albuterol 0.09 MG/ACTUANT", "90 mcg/actuation", "0.09 mg/actuat"),
        ("Tylenol PM 25 mg-500 mg", "500 MG / 25 MG", "25 mg / 500 mg"),
        ("heparin 5,000 units/mL", "5000 UNT/ML", "5,000 units/mL"),
        (
            "NuvaRing 0.12/0.015 MG per 24HR",
            "0.015 mg/day / 0.12 mg/day",
            "0.12 mg/24 hr / 0.015 mg/24 hr",
        ),
        ("lidocaína 2%", "2 %", "2%"),
        ("1 ML darbepoetin alfa 0.5 MG/ML Prefilled Syringe", "0.5 mg/mL", "0.5 mg/mL"),
    ],
)
def test_a_strength_compares_after_unit_conversion(written: str, same_as: str, shown: str):
    strength = parse_strength(written)
    assert strength is not None and strength == parse_strength(same_as)
    assert str(strength) == shown


def test_how_much_is_not_how_strong():
    for text in ("1 ML", "120 ACTUAT", "28 Day Pack", "24 HR", "Tylenol", "vitamin B12"):
        assert parse_strength(text) is None, text
    strength = parse_strength("Levothyroxine 25 MCG Oral Tablet")
    assert strength and strength.amounts == (Amount("mg", "", Decimal("0.025")),)


def test_a_name_that_contradicts_itself_states_no_strength():
    # Meditech: the order said 1 MG, the dispensed tablet 200 MCG; the code states none.
    meditech = "Levothyroxine Sodium (***LEVOTHYROXINE SODIUM 1 MG TABLET) 200 MCG TABLET"
    assert strength_of(rx("966251"), meditech) is None
    assert strength_of([], meditech) is None
    assert strength_of([], "Tylenol PM 500 mg") is None  # one amount for two ingredients
    # The code's strength comes first: Allscripts' "10 g" for RxNorm's 100 MG/ML.
    assert str(strength_of(rx("309090"), "cefTRIAXone 10 g injection")) == "100 mg/mL"
    assert strength_of([], "Ceftriaxone") is None


# The shipped tables hold together ----------------------------------------------------


def test_every_ingredient_the_tables_name_is_a_medicine_with_its_spanish_name():
    named = {i for medicine in codes.medicines() for i in medicine.ingredients}
    for concept in codes.rxnorm_concepts().values():
        assert concept.ingredients <= named, concept
    for known in codes.medicine_names():
        assert known.ingredients <= named, known
        assert known.kind in {"brand", "form"}
    assert all(medicine.name_es and medicine.ingredients for medicine in codes.medicines())
    # Written sorted and in lower case, as ingredients_of returns them.
    for concept in codes.rxnorm_concepts().values():
        assert all(name == name.lower().strip() for name in concept.ingredients)


def test_every_coded_strength_reads_and_every_coded_name_agrees_with_its_code():
    for concept in codes.rxnorm_concepts().values():
        if concept.strength:
            assert parse_strength(concept.strength) is not None, concept
            assert str(parse_strength(concept.strength)) == concept.strength, concept
        by_name = ingredients_in_name(concept.name)
        assert by_name in (None, concept.ingredients), concept


def test_the_codes_the_issue_names_are_in_the_table():
    table = codes.rxnorm_concepts()
    for code, ingredients in [
        ("309090", both("ceftriaxone")),
        ("209459", both("acetaminophen")),
        ("1092189", both("acetaminophen", "diphenhydramine")),
        ("731241", both("darbepoetin alfa")),
        ("731184", both("darbepoetin alfa")),
        ("730044", both("darbepoetin alfa")),
        ("892279", both("levothyroxine")),
        ("892246", both("levothyroxine")),
        ("892251", both("levothyroxine")),
        ("966250", both("levothyroxine")),
        ("198145", both("prednisone")),
        ("198148", both("prednisone")),
        ("348428", both("prednisolone")),
        ("198142", both("prednisolone")),
        ("643127", both("prednisolone")),
        ("485023", both("mycophenolic acid")),
        ("977434", both("everolimus")),
        ("977436", both("everolimus")),
        ("860886", both("fenofibric acid")),
        ("197511", both("ciprofloxacin")),
        ("284215", both("clindamycin")),
        ("198371", both("torsemide")),
        ("214078", both("cefpodoxime")),
        ("214077", both("cefpodoxime")),
        ("309078", both("cefpodoxime")),
    ]:
        assert table[code].ingredients == ingredients, code


def test_what_the_form_offers_in_spanish_is_still_known():
    for medicine in codes.medicines():
        for language in ("en", "es"):
            offered = medicine.suggestion_in(language)
            assert codes.find_medicine(offered) == medicine, offered
            assert ingredients_in_name(offered) == medicine.ingredients, offered
    paracetamol = codes.find_medicine("Paracetamol")
    assert paracetamol is not None
    assert paracetamol.suggestion_in("es") == "Paracetamol"
    assert paracetamol.suggestion_in("en") == "Paracetamol (Acetaminophen)"


# The real files ------------------------------------------------------------------------

LARSON_FILES = shared_in("reconcile/larson", "*.xml")


def _medications(path) -> list[tuple[list[dict[str, str]], str]]:
    from myhealthhub.imports.base import Upload
    from myhealthhub.imports.ccda import map as ccda_map
    from myhealthhub.imports.ccda import parse

    data = path.read_bytes()
    mapping = ccda_map.to_mapping(parse.read(Upload(path.name, io.BytesIO(data), len(data))))
    return [
        (entry.values["codings"], entry.values["display"])
        for entry in mapping.entries
        if entry.kind == "medications"
    ]


@shared_data
@pytest.mark.parametrize(
    "path", LARSON_FILES, ids=[path.name.split("_")[0] for path in LARSON_FILES]
)
def test_every_medicine_of_the_real_files_is_in_the_table_above_and_known(path):
    copied = {(row[1], row[2], row[3]) for row in LARSON}
    for codings, display in _medications(path):
        (code,) = [c["code"] for c in codings if c["system"] == RXNORM]
        coded_as = next(c.get("display", "") for c in codings if c["system"] == RXNORM)
        assert (code, display, coded_as if display == "RxNorm" else "") in copied, (code, display)
        found = ingredients_of(codings, display)
        assert found and found.how == "rxnorm" and found.code == code


@shared_data
def test_the_expected_medicines_are_those_of_expected_json():
    expected = json.loads(shared("reconcile/larson/expected.json").read_text(encoding="utf-8"))
    assert [(m["name"], m["rxnorm"]) for m in expected["medications"]] == [
        (name, code) for name, code, _ingredients in EXPECTED
    ]
