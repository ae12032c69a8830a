"""The shipped tables keep whole names, in English and Spanish, and know codes and medicines by any name."""

from __future__ import annotations

import pytest

from myhealthhub.lib import codes


def test_vaccine_names_with_commas_are_whole():
    mmr = codes.find_by_code(codes.vaccines(), "03")
    assert mmr is not None
    assert mmr.name == "MMR (measles, mumps and rubella)"
    assert mmr.name_es == "Triple vírica (sarampión, paperas y rubéola)"
    assert all(")" in code.name for code in codes.vaccines() if "(" in code.name)


def test_every_code_and_medicine_has_its_spanish_name():
    for table in (codes.vaccines(), codes.lab_tests()):
        assert all(code.name and code.name_es for code in table)
    assert all(medicine.name_es for medicine in codes.medicines())


def test_a_code_is_found_by_its_code_with_all_its_names():
    glucose = codes.find_by_code(codes.lab_tests(), " 2345-7 ")
    assert glucose is not None
    assert (glucose.names, glucose.unit) == (("Glucose", "Glucosa"), "mg/dL")
    tdap = codes.find_by_code(codes.vaccines(), "115")
    assert tdap is not None and tdap.names == ("Tdap", "dTpa")
    assert codes.find_by_code(codes.lab_tests(), "0000-0") is None


def test_a_medicine_is_found_by_any_of_its_names():
    for name in ("Paracetamol", "acetaminophen", "Paracetamol (Acetaminophen)"):
        medicine = codes.find_medicine(name)
        assert medicine is not None and medicine.names == ("Paracetamol", "Acetaminophen")
    aspirin = codes.find_medicine("ÁCIDO ACETILSALICÍLICO")
    assert aspirin is not None and aspirin.name == "Aspirin"
    assert codes.find_medicine("Metformin 850 mg") is None
    assert codes.find_medicine("") is None


def test_spanish_names_are_the_same_medicine():
    assert codes.same_medicine("Ibuprofeno", "ibuprofen")
    assert codes.same_medicine("Adrenalina", "Epinephrine")
    assert not codes.same_medicine("Ibuprofeno", "Naproxeno")


def test_a_row_cut_at_an_unquoted_comma_is_an_error_not_a_shorter_name():
    text = "code,en,es\n03,MMR (measles, mumps and rubella),Triple vírica\n"
    with pytest.raises(ValueError, match=r"data/cvx.csv, line 2: 4 cells, the header has 3"):
        codes.parse_table(text, "data/cvx.csv")


def test_a_quoted_cell_may_hold_a_line_break():
    rows = codes.parse_table('code,en\n1,"One\nline\u2028more"\n', "data/x.csv")
    assert rows == [{"code": "1", "en": "One\nline\u2028more"}]
