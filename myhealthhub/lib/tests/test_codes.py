from __future__ import annotations

from myhealthhub.lib import codes


def test_tables_load_with_unique_codes():
    for table in (codes.vaccines(), codes.lab_tests()):
        assert len(table) >= 30
        assert len({code.code for code in table}) == len(table)
    assert len(codes.medicines()) >= 40


def test_find_by_name_ignores_case_and_spaces():
    tdap = codes.find_by_name(codes.vaccines(), "  tdap ")
    assert tdap is not None and tdap.code == "115"
    a1c = codes.find_by_name(codes.lab_tests(), "hemoglobin a1c")
    assert a1c is not None and (a1c.code, a1c.unit) == ("4548-4", "%")
    assert codes.find_by_name(codes.vaccines(), "not a vaccine") is None


def test_international_medicine_names_are_one_substance():
    assert codes.same_medicine("Paracetamol", "acetaminophen")
    assert codes.same_medicine("Salbutamol (Albuterol)", "ALBUTEROL")
    assert not codes.same_medicine("Paracetamol", "Ibuprofen")
    assert codes.same_medicine("Unknown drug", "unknown drug")
