from __future__ import annotations

import codecs
import contextlib
import datetime as dt
import io
import zipfile
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from myhealthhub.errors import Refused
from myhealthhub.imports.base import Mapping, Upload, no_progress
from myhealthhub.imports.csv_readings.importer import CsvReadings
from myhealthhub.imports.csv_readings.map import parse_number
from myhealthhub.imports.csv_readings.parse import MAX_LINE
from myhealthhub.imports.formats import detect

MADRID = ZoneInfo("Europe/Madrid")
NEW_YORK = ZoneInfo("America/New_York")


def upload(content: str | bytes, name: str = "readings.csv") -> Upload:
    data = content.encode() if isinstance(content, str) else content
    return Upload(name, io.BytesIO(data), len(data))


def read(content: str | bytes, name: str = "readings.csv", zone=MADRID) -> Mapping:
    with timezone.override(zone):
        return CsvReadings().read([upload(content, name)], no_progress)


def refusal(content: str | bytes) -> Refused:
    with pytest.raises(Refused) as caught:
        read(content)
    return caught.value


def values(mapping: Mapping) -> list[tuple[str, str, float]]:
    return [
        (reading.metric, reading.at.strftime("%Y-%m-%d %H:%M"), reading.value)
        for reading in mapping.readings
    ]


def skips(mapping: Mapping) -> list[tuple[str, str, str]]:
    return [(item.where, item.reason, item.example) for item in mapping.skipped]


# The template.


def test_template_reads_every_metric_into_its_stored_unit():
    mapping = read(
        "date,time,metric,value,unit,note\n"
        "2024-03-01,07:15,weight,72.5,kg,after breakfast\n"
        "2024-03-01,07:15,weight,165,lb,\n"
        "2024-03-01,07:20,pulse,64,bpm,\n"
        "2024-03-01,07:20,spo2,97,%,\n"
        "2024-03-01,08:00,blood glucose,5.5,mmol/L,fasting\n"
        "2024-03-01,08:00,glucose,99,mg/dl,\n"
        "2024-03-01,,steps,10432,,\n"
        "2024-03-01,,sleep,7.5,hours,\n"
        "2024-03-01,,sleep_minutes,420,min,\n"
        "2024-03-01,07:25,blood pressure systolic,128,mmHg,\n"
        "2024-03-01,07:25,diastolic,82,mm[Hg],\n"
    )
    assert values(mapping) == [
        ("weight", "2024-03-01 07:15", 72.5),
        ("weight", "2024-03-01 07:15", 74.8427),
        ("heart_rate", "2024-03-01 07:20", 64.0),
        ("oxygen_saturation", "2024-03-01 07:20", 97.0),
        ("glucose", "2024-03-01 08:00", 99.0858),
        ("glucose", "2024-03-01 08:00", 99.0),
        ("steps", "2024-03-01 00:00", 10432.0),
        ("sleep_minutes", "2024-03-01 00:00", 450.0),
        ("sleep_minutes", "2024-03-01 00:00", 420.0),
        ("systolic", "2024-03-01 07:25", 128.0),
        ("diastolic", "2024-03-01 07:25", 82.0),
    ]
    assert {reading.origin for reading in mapping.readings} == {"csv:template"}
    assert mapping.readings[0].where == "line 2"
    assert mapping.skipped == []
    assert mapping.warnings == []


def test_datetimes_are_aware_in_the_current_time_zone():
    mapping = read("date,metric,value\n2024-07-01 07:15,pulse,60\n", zone=NEW_YORK)
    at = mapping.readings[0].at
    assert at == dt.datetime(2024, 7, 1, 7, 15, tzinfo=NEW_YORK)
    assert at.utcoffset() == dt.timedelta(hours=-4)


def test_an_offset_in_the_date_wins_over_the_current_zone():
    mapping = read("date,metric,value\n2024-07-01T07:15:00Z,pulse,60\n")
    assert mapping.readings[0].at == dt.datetime(2024, 7, 1, 7, 15, tzinfo=dt.UTC)


def test_blood_pressure_in_one_cell_gives_two_readings():
    mapping = read("date,metric,value\n2024-03-01 07:15,blood pressure,120/80\n")
    assert values(mapping) == [
        ("systolic", "2024-03-01 07:15", 120.0),
        ("diastolic", "2024-03-01 07:15", 80.0),
    ]


def test_a_unit_written_with_the_value_is_read():
    mapping = read("date,metric,value\n2024-03-01,weight,154 lbs\n2024-03-02,weight,70 kg\n")
    assert [reading.value for reading in mapping.readings] == [69.8532, 70.0]


# Skipped rows.


def test_rows_that_cannot_be_read_are_skipped_with_their_line():
    mapping = read(
        "date,time,metric,value,unit,note\n"
        "2024-03-01,07:15,pulse,64,,\n"
        "2024-03-01,07:16,pulse,abc,,\n"
        "someday,07:17,pulse,64,,\n"
        "2024-03-01,07:18,mood,good,,\n"
        "2024-03-01,07:19,weight,72,stone-ish,\n"
        "2024-03-01,07:20,weight,72,,\n"
        "2024-03-01,07:21,weight,72,mg/dL,\n"
        "2024-03-01,07:22,pulse,350,,\n"
        "2024-03-01,07:23,weight,-4,kg,\n"
        "2024-03-01,07:24,blood pressure,80/120,,\n"
        "2024-03-01,07:25,pulse,,,\n"
        "2024-03-01,25:00,pulse,60,,\n"
        "2099-03-01,07:26,pulse,60,,\n"
    )
    assert values(mapping) == [("heart_rate", "2024-03-01 07:15", 64.0)]
    assert skips(mapping) == [
        ("line 3", "not a number", "pulse: abc"),
        ("line 4", "not a date", "someday 07:17"),
        ("line 5", "not a metric MyHealthHub keeps", "mood"),
        ("line 6", "the unit “stone-ish” is not one MyHealthHub knows", "weight: 72"),
        (
            "line 7",
            "no unit (write it in the header, as in “Weight (kg)”, or in a unit column)",
            "weight: 72",
        ),
        ("line 8", "the unit “mg/dL” does not fit weight", "weight: 72"),
        (
            "line 9",
            "outside what heart rate can be (20 to 300 beats per minute)",
            "pulse: 350",
        ),
        ("line 10", "outside what weight can be (0.3 to 700 kg)", "weight: -4"),
        ("line 11", "the diastolic pressure is not below the systolic", "80/120"),
        ("line 12", "no value", "pulse"),
        ("line 13", "not a time of day", "2024-03-01 25:00"),
        ("line 14", "in the future", "2099-03-01 07:26"),
    ]
    assert {item.origin for item in mapping.skipped} == {"csv:template"}


def test_a_quoted_note_over_several_lines_keeps_the_line_numbers_right():
    mapping = read(
        'date,metric,value,note\n2024-03-01,pulse,60,"a note\nover two lines"\n'
        "2024-03-02,pulse,abc,\n"
    )
    assert mapping.readings[0].where == "line 2"
    assert skips(mapping) == [("line 4", "not a number", "pulse: abc")]


def test_a_file_whose_every_row_fails_is_refused():
    error = refusal("date,metric,value\n2024-03-01,pulse,abc\n2024-03-02,pulse,xyz\n")
    assert error.reason == "No row of this file could be read. The first problem: not a number."
    assert error.where == "line 2"


def test_a_header_without_rows_is_refused():
    error = refusal("date,metric,value\n")
    assert error.reason == "This file has the columns of readings, but no readings under them."


def test_a_file_without_a_known_header_is_refused_with_the_template_columns():
    error = refusal("name,colour\nAda,green\n")
    assert error.where == "line 1"
    assert "date, time, metric, value, unit, note" in error.reason


# Dates: day first or month first.


def test_a_day_over_twelve_settles_day_first_for_the_whole_file():
    mapping = read(
        "date,metric,value\n03/04/2024 07:15,pulse,60\n25/04/2024 07:15,pulse,61\n"
        "05/06/2024 07:15,pulse,62\n"
    )
    assert [reading.at.date() for reading in mapping.readings] == [
        dt.date(2024, 4, 3),
        dt.date(2024, 4, 25),
        dt.date(2024, 6, 5),
    ]
    assert mapping.warnings == []


def test_a_second_field_over_twelve_settles_month_first():
    mapping = read("date,metric,value\n03/04/2024 7:15 PM,pulse,60\n04/25/2024 7:15 AM,pulse,61\n")
    assert [reading.at for reading in mapping.readings] == [
        dt.datetime(2024, 3, 4, 19, 15, tzinfo=MADRID),
        dt.datetime(2024, 4, 25, 7, 15, tzinfo=MADRID),
    ]


def test_ambiguous_dates_are_day_first_in_the_template_with_a_warning():
    mapping = read("date,metric,value\n03/04/2024,pulse,60\n")
    assert mapping.readings[0].at.date() == dt.date(2024, 4, 3)
    assert [problem.message for problem in mapping.warnings] == [
        "No date in this file shows whether it is written day first or month first; the "
        "dates were read as day/month/year. Check them in the preview."
    ]


def test_month_names_and_two_digit_years_are_read():
    mapping = read(
        "date,metric,value\nJan 12 2025,pulse,60\n12 March 2025 08:00,pulse,61\n"
        "4-Jul-2024,pulse,62\n01.02.24 07:00,pulse,63\n"
    )
    assert [reading.at.date() for reading in mapping.readings] == [
        dt.date(2025, 1, 12),
        dt.date(2025, 3, 12),
        dt.date(2024, 7, 4),
        dt.date(2024, 2, 1),
    ]


# Device exports.


def test_omron_connect_export():
    mapping = read(
        "Date,Time,Systolic (mmHg),Diastolic (mmHg),Pulse (bpm),Irregular heartbeat "
        "detected,Body movement,Notes\n"
        "03/01/2024,7:15 AM,128,82,64,,,\n"
        "03/02/2024,9:30 PM,131,85,,Yes,,after walk\n"
    )
    assert values(mapping) == [
        ("systolic", "2024-03-01 07:15", 128.0),
        ("diastolic", "2024-03-01 07:15", 82.0),
        ("heart_rate", "2024-03-01 07:15", 64.0),
        ("systolic", "2024-03-02 21:30", 131.0),
        ("diastolic", "2024-03-02 21:30", 85.0),
    ]
    assert {reading.origin for reading in mapping.readings} == {"csv:omron"}
    # Omron's US app writes month first: the warning says so.
    assert "month/day/year" in mapping.warnings[0].message


def test_omron_connect_export_of_the_newer_app_uses_its_time_zone_column():
    mapping = read(
        '"Measurement Date","Timezone","SYS(mmHg)","DIA(mmHg)","Pulse(bpm)",'
        '"Irregular heartbeat detected","IHB detection counts(times)","Body Movement",'
        '"Cuff wrap guide","Positioning Indicator","room temperature(°C)","Measurement Mode",'
        '"Device"\n'
        '"2024/11/21 11:40","Asia/Bangkok","105","73","73",,,"Not Detected","OK",,,,"HEM-7141T1"\n'
    )
    assert mapping.readings[0].at == dt.datetime(
        2024, 11, 21, 11, 40, tzinfo=ZoneInfo("Asia/Bangkok")
    )
    assert [reading.metric for reading in mapping.readings] == [
        "systolic",
        "diastolic",
        "heart_rate",
    ]
    assert mapping.readings[0].origin == "csv:omron"


def test_omron_connect_export_of_the_us_app():
    mapping = read(
        "Date,Time,Systolic (mmHg),Diastolic (mmHg),Pulse (bpm),Symptoms,Consumed,TruRead,Notes\n"
        "Jan 12 2025,08:15,128,82,64,-,-,Off,ok\n"
    )
    assert values(mapping)[0] == ("systolic", "2025-01-12 08:15", 128.0)


def test_withings_weight_export():
    mapping = read(
        "Date,Weight (kg),Fat mass (kg),Bone mass (kg),Muscle mass (kg),Hydration (kg),Comments\n"
        '"2024-03-01 07:02:11",72.4,15.1,3.1,51.0,40.2,\n'
        '"2024-03-02 07:05:40",,,,,,"no weight"\n'
    )
    assert values(mapping) == [("weight", "2024-03-01 07:02", 72.4)]
    assert mapping.readings[0].origin == "csv:withings-weight"
    assert skips(mapping) == [("line 3", "no reading in this row", "")]


def test_withings_weight_export_in_pounds():
    mapping = read("Date,Weight (lb),Fat mass (lb),Comments\n2024-03-01 07:02:11,160,30,\n")
    assert values(mapping) == [("weight", "2024-03-01 07:02", 72.5748)]


def test_withings_blood_pressure_export():
    mapping = read(
        'Date,Heart rate,Systolic,Diastolic,Comments\n"2024-03-01 07:02:11",61,122,79,\n'
    )
    assert values(mapping) == [
        ("heart_rate", "2024-03-01 07:02", 61.0),
        ("systolic", "2024-03-01 07:02", 122.0),
        ("diastolic", "2024-03-01 07:02", 79.0),
    ]
    assert mapping.readings[0].origin == "csv:withings-bp"


LIBRE = (
    "Glucose Data,Generated on,11-05-2025 12:34 UTC,Generated by,Ada Lovelace\n"
    "Device,Serial Number,Device Timestamp,Record Type,Historic Glucose {unit},Scan Glucose "
    "{unit},Non-numeric Rapid-Acting Insulin,Rapid-Acting Insulin (units),Notes,Strip Glucose "
    "{unit}\n"
    "FreeStyle LibreLink,ABC123,10-28-2025 08:00 AM,0,{historic},,,,,\n"
    "FreeStyle LibreLink,ABC123,10-28-2025 08:07 AM,1,,{scan},,,,\n"
    "FreeStyle LibreLink,ABC123,10-28-2025 08:10 AM,4,,,,6,,\n"
    "FreeStyle LibreLink,ABC123,10-29-2025 01:30 PM,2,,,,,,{strip}\n"
)


def test_libreview_export_in_mg_per_dl():
    mapping = read(LIBRE.format(unit="mg/dL", historic=104, scan=110, strip=98))
    assert values(mapping) == [
        ("glucose", "2025-10-28 08:00", 104.0),
        ("glucose", "2025-10-28 08:07", 110.0),
        ("glucose", "2025-10-29 13:30", 98.0),
    ]
    assert mapping.readings[0].where == "line 3"
    assert mapping.readings[0].origin == "csv:libre"
    assert skips(mapping) == [
        (
            "line 5",
            "not a glucose reading (a note, insulin, food or a device event)",
            "Record Type: 4",
        )
    ]


def test_libreview_export_in_mmol_per_litre_day_first():
    content = (
        "Glucose Data,Generated on,11-05-2025 12:34 UTC\n"
        "Device,Serial Number,Device Timestamp,Record Type,Historic Glucose mmol/L,"
        "Scan Glucose mmol/L\n"
        "FreeStyle Libre 3,X1,28-10-2025 08:00,0,5.5,\n"
        "FreeStyle Libre 3,X1,01-11-2025 08:15,1,,10.0\n"
    )
    assert values(read(content)) == [
        ("glucose", "2025-10-28 08:00", 99.0858),
        ("glucose", "2025-11-01 08:15", 180.156),
    ]


def test_generic_columns_with_units_in_parentheses():
    mapping = read(
        "Timestamp,Weight (lb),Glucose (mmol/L),Heart rate (bpm),Steps,Sleep (h),Mood\n"
        "2024-03-04 08:00,150,5.5,60,10000,7.25,fine\n"
    )
    assert values(mapping) == [
        ("weight", "2024-03-04 08:00", 68.0389),
        ("glucose", "2024-03-04 08:00", 99.0858),
        ("heart_rate", "2024-03-04 08:00", 60.0),
        ("steps", "2024-03-04 08:00", 10000.0),
        ("sleep_minutes", "2024-03-04 08:00", 435.0),
    ]
    assert mapping.readings[0].origin == "csv:generic"


def test_a_wearable_s_columns_reach_their_stored_units_fahrenheit_included():
    mapping = read(
        "Timestamp,Body temperature (°F),Distance (mi),Resting heart rate,Height (ft),BMI\n"
        "2024-03-04 08:00,98.6,2,58,6,24.5\n"
    )
    assert values(mapping) == [
        ("body_temperature", "2024-03-04 08:00", 37.0),
        ("distance", "2024-03-04 08:00", 3.2187),
        ("resting_heart_rate", "2024-03-04 08:00", 58.0),
        ("height", "2024-03-04 08:00", 182.88),
        ("bmi", "2024-03-04 08:00", 24.5),
    ]
    assert mapping.skipped == []


def test_a_generic_column_with_an_unknown_unit_skips_its_values():
    mapping = read("Date,Weight (stones and pounds),Pulse\n2024-03-04,11,60\n")
    assert values(mapping) == [("heart_rate", "2024-03-04 00:00", 60.0)]
    assert skips(mapping) == [
        (
            "line 2",
            "the unit “stones and pounds” is not one MyHealthHub knows",
            "Weight (stones and pounds): 11",
        )
    ]


# Encodings, delimiters, decimal commas.


def test_bom_semicolons_and_decimal_commas():
    content = "date;metric;value;unit\r\n01/03/2024 07:15;weight;72,5;kg\r\n".encode("utf-8-sig")
    mapping = read(content)
    assert values(mapping) == [("weight", "2024-03-01 07:15", 72.5)]


def test_a_windows_file_that_is_not_utf8():
    content = "Fecha;Peso (kg);Notas\n13/03/2024;81,2;después de cenar\n".encode("cp1252")
    assert values(read(content)) == [("weight", "2024-03-13 00:00", 81.2)]


def test_a_tab_separated_utf16_file_from_excel():
    content = codecs.BOM_UTF16_LE + "date\tmetric\tvalue\n2024-03-01\tsteps\t8000\n".encode(
        "utf-16-le"
    )
    assert values(read(content)) == [("steps", "2024-03-01 00:00", 8000.0)]


def test_an_excel_separator_line_is_honoured():
    assert values(read("sep=;\ndate;metric;value\n2024-03-01;weight;70,1 kg\n")) == [
        ("weight", "2024-03-01 00:00", 70.1)
    ]


@pytest.mark.parametrize(
    ("text", "decimal_comma", "expected"),
    [
        ("72.5", False, 72.5),
        ("72,5", False, 72.5),
        ("72,5", True, 72.5),
        ("12,345", False, 12345.0),
        ("12,345", True, 12.345),
        ("1,234.5", False, 1234.5),
        ("1.234,5", True, 1234.5),
        ("12 345", False, 12345.0),
        ("1.234.567", True, 1234567.0),
        ("−3", False, -3.0),
        ("abc", False, None),
        ("1,2,3", False, None),
        ("", False, None),
        ("1e5", False, None),
    ],
)
def test_numbers(text, decimal_comma, expected):
    assert parse_number(text, decimal_comma=decimal_comma) == expected


def test_a_line_longer_than_64_kib_is_refused():
    error = refusal("date,metric,value,note\n2024-03-01,pulse,60," + "x" * MAX_LINE + "\n")
    assert error.where == "line 2"


# Recognising the format.


def test_it_recognises_csv_by_name_or_by_header():
    importer = CsvReadings()
    assert importer.recognizes(upload("anything", "readings.CSV"))
    assert importer.recognizes(upload("Date,Heart rate,Systolic,Diastolic\n", "export"))
    assert not importer.recognizes(upload("just some words\n", "notes"))


def test_it_does_not_claim_json_or_zip_files():
    importer = CsvReadings()
    assert not importer.recognizes(upload('{"resourceType": "Bundle"}', "bundle.csv"))
    assert not importer.recognizes(upload("\ufeff[1, 2]", "list.txt"))
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as bundle:
        bundle.writestr("readings.csv", "date,metric,value\n")
    assert not importer.recognizes(upload(archive.getvalue(), "readings.csv"))


def test_the_registry_detects_a_csv_of_readings():
    assert detect([upload("date,metric,value\n2024-03-01,pulse,60\n")]).name == "csv-readings"


def test_progress_goes_by_bytes_and_ends_at_one():
    seen: list[float] = []
    rows = "".join(f"2024-03-01 {n // 60 % 24:02}:{n % 60:02},steps,{n}\n" for n in range(12_000))
    content = ("date,metric,value\n" + rows).encode()
    with timezone.override(MADRID):
        CsvReadings().read([upload(content)], lambda fraction, items=0: seen.append(fraction))
    assert seen[-1] == 1.0
    assert seen == sorted(seen)
    assert len(seen) > 2


def test_several_files_name_the_file_in_each_place():
    with timezone.override(MADRID):
        mapping = CsvReadings().read(
            [
                upload("date,metric,value\n2024-03-01,pulse,60\n", "a.csv"),
                upload("date,metric,value\n2024-03-01,pulse,abc\n2024-03-02,pulse,61\n", "b.csv"),
            ],
            no_progress,
        )
    assert [reading.where for reading in mapping.readings] == ["a.csv, line 2", "b.csv, line 3"]
    assert skips(mapping) == [("b.csv, line 2", "not a number", "pulse: abc")]


def test_a_refusal_among_several_files_names_the_file():
    with pytest.raises(Refused) as caught, timezone.override(MADRID):
        CsvReadings().read(
            [
                upload("date,metric,value\n2024-03-01,pulse,60\n", "a.csv"),
                upload("date,metric,value\n2024-03-01,pulse," + "6" * MAX_LINE, "b.csv"),
            ],
            no_progress,
        )
    assert caught.value.where == "b.csv, line 2"


# Whatever arrives, the answer is readings or Refused.


@settings(suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=400))
def test_arbitrary_text_never_raises_anything_but_refused(text):
    with contextlib.suppress(Refused):
        read(text)


HEADERS = [
    "date,time,metric,value,unit,note",
    "Date,Time,Systolic (mmHg),Diastolic (mmHg),Pulse (bpm),Irregular heartbeat detected",
    "Date,Weight (kg),Fat mass (kg),Comments",
    "Device,Serial Number,Device Timestamp,Record Type,Historic Glucose mmol/L,Scan Glucose mmol/L",
    "Timestamp,Weight (lb),Glucose (mg/dL),Heart rate (bpm),Sleep (h)",
]
CELLS = st.one_of(
    st.sampled_from(
        ["", "60", "72,5", "1e9", "-1", "120/80", "03/04/2024", "2024-02-30", "7:15 PM", "0",
         "25/13/2024 10:00", "Jan 32 2024", "pulse", "blood pressure", "kg", "{beats}", "mmol/L",
         "2024-03-01T07:15:00+25:00", '"', "\x00"]
    ),
    st.text(max_size=12),
)  # fmt: skip


@settings(suppress_health_check=[HealthCheck.too_slow])
@given(
    st.sampled_from(HEADERS),
    st.lists(st.lists(CELLS, max_size=7), max_size=6),
    st.sampled_from([",", ";", "\t"]),
)
def test_rows_under_a_known_header_never_raise_anything_but_refused(header, rows, delimiter):
    lines = [header.replace(",", delimiter)] + [delimiter.join(row) for row in rows]
    try:
        mapping = read("\n".join(lines))
    except Refused:
        return
    for reading in mapping.readings:
        assert reading.at.tzinfo is not None
