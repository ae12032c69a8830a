"""Apple Health workouts, their routes and the daily activity rings, as mapped from real exports.

The elements are read here with lxml, as the exports hold them, and handed to
the mapping functions as the importer hands them: a workout's attributes, and
each element inside it, in order, as (tag, attributes).
"""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import pytest
from lxml import etree

from myhealthhub.documents.sniff import GPX, RefusedFile, sniff
from myhealthhub.imports.apple.workouts import (
    activity_day,
    route_document,
    route_path,
    workout_entry,
)
from myhealthhub.imports.base import ActivityRow, MappedEntry, Skipped
from myhealthhub.tests.real_files import ours

EXPORT_FOLDER = ours("apple/dogsheep_zip_contents/apple_health_export/export.xml").parent
ROUTE = "workout-routes/route_2019-06-11_3.00pm.gpx"
# What iOS 16 and later write: the totals only in the workout's statistics
# (as /work/shared/tools/gen_apple_export.py models them), with pauses.
NEWER = b"""<HealthData locale="en_GB">
 <Workout workoutActivityType="HKWorkoutActivityTypeCycling" duration="47.5" durationUnit="min"
   sourceName="Ana's Apple Watch" sourceVersion="10.1" creationDate="2024-05-01 08:48:00 +0200"
   startDate="2024-05-01 08:00:00 +0200" endDate="2024-05-01 08:47:30 +0200">
  <MetadataEntry key="HKIndoorWorkout" value="0"/>
  <WorkoutEvent type="HKWorkoutEventTypePause" date="2024-05-01 08:20:00 +0200"/>
  <WorkoutEvent type="HKWorkoutEventTypeResume" date="2024-05-01 08:21:00 +0200"/>
  <WorkoutStatistics type="HKQuantityTypeIdentifierActiveEnergyBurned"
    startDate="2024-05-01 08:00:00 +0200" endDate="2024-05-01 08:47:30 +0200"
    sum="401.5" unit="Cal"/>
  <WorkoutStatistics type="HKQuantityTypeIdentifierBasalEnergyBurned"
    startDate="2024-05-01 08:00:00 +0200" endDate="2024-05-01 08:47:30 +0200"
    sum="57" unit="Cal"/>
  <WorkoutStatistics type="HKQuantityTypeIdentifierHeartRate"
    startDate="2024-05-01 08:00:00 +0200" endDate="2024-05-01 08:47:30 +0200"
    average="131.25" minimum="88" maximum="172" unit="count/min"/>
  <WorkoutStatistics type="HKQuantityTypeIdentifierDistanceCycling"
    startDate="2024-05-01 08:00:00 +0200" endDate="2024-05-01 08:47:30 +0200"
    sum="18.4" unit="km"/>
  <WorkoutRoute sourceName="Ana's Apple Watch" creationDate="2024-05-01 08:48:00 +0200"
    startDate="2024-05-01 08:00:00 +0200" endDate="2024-05-01 08:47:30 +0200">
   <MetadataEntry key="HKMetadataKeySyncVersion" value="2"/>
   <FileReference path="/workout-routes/route_2024-05-01_8.00am.gpx"/>
  </WorkoutRoute>
 </Workout>
</HealthData>"""


def elements(path: Path | bytes, tag: str) -> list[etree._Element]:
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    if isinstance(path, Path):
        root = etree.parse(str(path), parser).getroot()
    else:
        root = etree.fromstring(path, parser)
    return list(root.iter(tag))


def attributes(element: etree._Element) -> dict[str, str]:
    return {str(name): str(value) for name, value in element.attrib.items()}


def children_of(workout: etree._Element) -> list[tuple[str, dict[str, str]]]:
    return [(str(child.tag), attributes(child)) for child in workout.iterdescendants()]


def mapped(workout: etree._Element) -> MappedEntry | Skipped:
    return workout_entry(attributes(workout), children_of(workout), "export.xml, line 12")


def test_a_run_of_an_older_export_with_its_totals_on_the_workout():
    (run,) = elements(EXPORT_FOLDER / "export.xml", "Workout")
    entry = mapped(run)
    assert isinstance(entry, MappedEntry)
    assert (entry.kind, entry.origin, entry.where) == ("workouts", "Workout", "export.xml, line 12")
    values = entry.values
    start = dt.datetime(2016, 11, 14, 7, 25, 41, tzinfo=dt.timezone(dt.timedelta(hours=-7)))
    assert values["starts_at"] == start
    # The day it began where it began, whatever the reader's zone.
    assert (values["date"], values["date_precision"]) == (dt.date(2016, 11, 14), "day")
    assert (values["activity"], values["display"]) == ("running", "Running")
    assert values["duration"] == 312  # 5.194 minutes
    assert values["distance"] == pytest.approx(0.4971749504535062 * 1609.344)  # miles
    assert values["active_energy"] == pytest.approx(48.745)
    assert values["average_heart_rate"] is None  # no statistics in this export
    assert values["device"] == "Apple Watch"
    assert entry.key == (
        "apple-health:workout:HKWorkoutActivityTypeRunning:2016-11-14T07:25:41-07:00:Apple Watch"
    )


def test_a_workout_read_twice_has_the_same_key():
    (run,) = elements(EXPORT_FOLDER / "export.xml", "Workout")
    first, again = mapped(run), mapped(run)
    assert isinstance(first, MappedEntry) and isinstance(again, MappedEntry)
    assert first.key == again.key


def test_a_newer_export_gives_its_totals_and_heart_rate_only_as_statistics():
    (ride,) = elements(NEWER, "Workout")
    entry = mapped(ride)
    assert isinstance(entry, MappedEntry)
    values = entry.values
    assert (values["activity"], values["display"]) == ("cycling", "Cycling")
    assert values["duration"] == 47 * 60 + 30
    assert values["distance"] == pytest.approx(18_400.0)
    assert values["active_energy"] == pytest.approx(401.5)  # "Cal" is a kcal; basal is not active
    assert values["average_heart_rate"] == pytest.approx(131.25)
    assert values["device"] == "Ana's Apple Watch"
    assert route_path(children_of(ride)) == "workout-routes/route_2024-05-01_8.00am.gpx"


def test_an_activity_we_have_no_choice_for_keeps_apples_words():
    (other,) = elements(ours("apple/tdda_export6s3sample_v3dtd_enGB.xml"), "Workout")
    entry = mapped(other)
    assert isinstance(entry, MappedEntry)
    assert (entry.values["activity"], entry.values["display"]) == ("other", "Other")
    # A watch writes a distance of 0 for what it did not measure.
    assert entry.values["distance"] is None
    stairs = {**attributes(other), "workoutActivityType": "HKWorkoutActivityTypeStairClimbing"}
    climbing = workout_entry(stairs, [], "")
    assert isinstance(climbing, MappedEntry)
    assert (climbing.values["activity"], climbing.values["display"]) == (
        "other",
        "Stair climbing",
    )


@pytest.mark.parametrize(
    ("changed", "reason"),
    [
        ({"startDate": "yesterday"}, "its date cannot be read"),
        ({"startDate": "2999-01-01 10:00:00 +0000"}, "in the future"),
        ({"duration": "soon", "endDate": ""}, "its duration cannot be read"),
    ],
)
def test_a_workout_that_cannot_be_read_is_skipped_saying_why(changed, reason):
    (run,) = elements(EXPORT_FOLDER / "export.xml", "Workout")
    skipped = workout_entry({**attributes(run), **changed}, [], "export.xml, line 12")
    assert skipped == Skipped("Workout", reason, "export.xml, line 12", example="Running")


def test_the_route_is_a_gpx_file_of_the_export_kept_with_its_workout():
    (run,) = elements(EXPORT_FOLDER / "export.xml", "Workout")
    entry = mapped(run)
    assert isinstance(entry, MappedEntry)
    path = route_path(children_of(run))
    assert path == ROUTE
    content = (EXPORT_FOLDER / path).read_bytes()
    document = route_document(
        path, content, entry.key, entry.values["starts_at"], workout=entry.values["display"]
    )
    assert document.entry_keys == [entry.key]
    assert (document.filename, document.kind) == ("route_2019-06-11_3.00pm.gpx", "other")
    assert document.title == "Route: Running on Nov. 14, 2016"
    assert document.when is not None and document.when.isoformat() == "2016-11-14"
    assert document.key == "apple-health:route:" + ROUTE
    # Documents keep it: a GPX route is sniffed as one, from its bytes.
    assert sniff(io.BytesIO(document.content)) == GPX


def test_a_route_outside_the_export_or_of_points_only_is_none():
    assert (
        route_path([("WorkoutRoute", {}), ("FileReference", {"path": "/../../etc/passwd"})]) is None
    )
    assert route_path([("WorkoutRoute", {}), ("FileReference", {"path": "C:\\x.gpx"})]) is None
    assert route_path([("FileReference", {"path": "/workout-routes/a.gpx"})]) is None
    # Older exports list the route's points inside the workout instead of a file.
    (run,) = elements(ours("apple/dogsheep_export.xml"), "Workout")
    assert route_path(children_of(run)) is None


@pytest.mark.parametrize(
    "content",
    [
        b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"></svg>',
        b'<gpx xmlns="http://example.org/not-gpx"><script>1</script></gpx>',
        b'<?xml version="1.0"?><!DOCTYPE gpx [<!ENTITY x "y">]>'
        b'<gpx xmlns="http://www.topografix.com/GPX/1/1">&x;</gpx>',
        b'<gpx xmlns="http://www.topografix.com/GPX/1/1"><trk>',
    ],
    ids=["svg", "other namespace", "entity", "unclosed"],
)
def test_xml_that_is_not_a_whole_gpx_route_is_still_refused(content):
    with pytest.raises(RefusedFile):
        sniff(io.BytesIO(content))


def test_each_days_rings_are_read_with_their_goals():
    summaries = elements(EXPORT_FOLDER / "export.xml", "ActivitySummary")
    rows = [activity_day(attributes(summary), "export.xml") for summary in summaries]
    assert rows == [
        ActivityRow(dt.date(2016, 11, 15), 590.252, 630.0, 68, 30, 13, 12),
        ActivityRow(dt.date(2016, 11, 16), 323.513, 630.0, 39, 30, 9, 12),
    ]


def test_a_day_in_kilojoules_is_read_in_kcal_and_days_that_say_nothing_are_skipped():
    day = {
        "dateComponents": "2024-05-01",
        "activeEnergyBurned": "1046",
        "activeEnergyBurnedGoal": "2092",
        "activeEnergyBurnedUnit": "kJ",
        "appleMoveTime": "0",
        "appleMoveTimeGoal": "0",
        "appleExerciseTime": "31",
        "appleExerciseTimeGoal": "30",
        "appleStandHours": "8",
        "appleStandHoursGoal": "12",
    }
    row = activity_day(day, "export.xml, line 3")
    assert isinstance(row, ActivityRow)
    assert row.move == pytest.approx(250.0, abs=0.01)
    assert row.move_goal == pytest.approx(500.0)
    nothing = {key: "0" for key in day} | {"dateComponents": "2015-01-01"}
    nothing["activeEnergyBurnedUnit"] = "kcal"
    skipped = activity_day(nothing, "export.xml, line 4")
    assert skipped == Skipped(
        "ActivitySummary", "a day with no activity and no goals", "export.xml, line 4"
    )
    assert activity_day({**day, "dateComponents": "1-2-3"}, "x") == Skipped(
        "ActivitySummary", "its date cannot be read", "x"
    )
    assert activity_day({**day, "activeEnergyBurnedUnit": "BTU"}, "x") == Skipped(
        "ActivitySummary", "its unit “BTU” is not one MyHealthHub reads", "x"
    )
