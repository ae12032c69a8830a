"""The electrocardiograms in an Apple Health export, kept as documents.

The ECG app of an Apple Watch records 30 seconds of one lead, and the
export writes each recording as a CSV file in ``electrocardiograms/``
("ecg_2020-09-22.csv"): a header of "label,value" lines, then one voltage
sample a line::

    Name,Ana García
    Date of Birth,"1 May 1970"
    Recorded Date,2020-09-22 09:14:40 +0200
    Classification,Sinus Rhythm
    Symptoms,
    Software Version,1.90
    Device,"Watch5,4"
    Sample Rate,512 hertz

    Lead,Lead I
    Unit,µV

    -48.673
    …

The file is written in the phone's language: its labels ("Aufzeichnungsdatum",
"Klassifizierung" in German), its classification ("Sinusrhythmus"), and the
decimal comma of its samples ("-265,868"). Labels in English and in German
(as real German exports write them) are read by name. In another language
the fields are found where Apple writes them, in the same order in every
language: after the recorded date (the one value shaped
"2020-09-22 09:14:40 +0200"), the classification, the symptoms, the
software version, the device and the sample rate. Without a recorded date
that can be read, the day in the file's name is taken.

Each recording becomes a document, the CSV file as it is, titled by its
classification as the watch wrote it ("ECG: Sinus Rhythm"), dated the day
it was recorded, and described by what its header says. Its key is the
moment it was recorded, so a newer export, which repeats every recording,
keeps each one once. Every CSV file of the export is taken for a recording
(the folder's name may be translated too): one that is not is left out,
saying why.
"""

from __future__ import annotations

import csv
import datetime as dt
import re
import unicodedata
from dataclasses import dataclass

from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from myhealthhub.errors import Refused
from myhealthhub.imports.apple.clinical import left_behind_by_macos
from myhealthhub.imports.base import MappedDocument, Mapping, Upload
from myhealthhub.lib.dates import PartialDate
from myhealthhub.lib.safe_zip import CheckedZip, Member, UnsafeZip, checked_zip, is_zip

# Thirty seconds at 512 samples a second is about 150 KB; far more is no recording.
MAX_RECORDING = 8 * 1024**2
ORIGIN = "Electrocardiogram"
KEY = "apple-health:ecg:"
# Each label folded (lower case, no accents) -> the field it names.
LABELS = {
    "recorded date": "recorded",
    "aufzeichnungsdatum": "recorded",
    "classification": "classification",
    "klassifizierung": "classification",
    "symptoms": "symptoms",
    "symptome": "symptoms",
    "software version": "software",
    "softwareversion": "software",
    "device": "device",
    "gerat": "device",
    "sample rate": "sample_rate",
    "messrate": "sample_rate",
}
# The fields Apple writes after the recorded date, in this order in every language.
AFTER_RECORDED = ("classification", "symptoms", "software", "device", "sample_rate")
# A sample: "-48.673", or "-265,868" where the decimal mark is a comma.
_SAMPLE = re.compile(r"[+-]?\d+(?:[.,]\d+)?")
_RECORDED = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2})(?::(\d{2}))?\s*(Z|[+-]\d{2}:?\d{2})?"
)
_DAY_IN_NAME = re.compile(r"(\d{4})-(\d{2})-(\d{2})")


@dataclass(frozen=True)
class Recording:
    """What an ECG file's header says, as written, and how many samples follow it."""

    recorded: str = ""  # "2020-09-22 09:14:40 +0200"
    classification: str = ""
    symptoms: str = ""
    software: str = ""
    device: str = ""
    sample_rate: str = ""
    samples: int = 0

    @property
    def moment(self) -> dt.datetime | None:
        """When it was recorded, if the file says with its offset from UTC."""
        match = _RECORDED.fullmatch(self.recorded)
        if match is None or match.group(7) is None:
            return None
        zone = match.group(7)
        text = f"{'-'.join(match.group(1, 2, 3))}T{match.group(4)}:{match.group(5)}"
        text += f":{match.group(6) or '00'}{'+00:00' if zone == 'Z' else zone}"
        try:
            return dt.datetime.fromisoformat(text)
        except ValueError:
            return None

    @property
    def day(self) -> PartialDate | None:
        """The day it was recorded, as written (not moved to another time zone)."""
        match = _RECORDED.fullmatch(self.recorded)
        return _day(match) if match else None


def read_recordings(upload: Upload, mapping: Mapping) -> None:
    """Every ECG recording of an export zip, into ``mapping``; a bare export.xml has none."""
    if not is_zip(upload.head(8)):
        return
    try:
        with checked_zip(upload.file) as archive:
            for member in sorted(archive.members, key=lambda member: member.name):
                if member.name.lower().endswith(".csv") and not left_behind_by_macos(member):
                    _read(archive, member, f"{upload.name}/{member.name}", mapping)
    except UnsafeZip as error:
        raise Refused(str(error), upload.name) from None
    finally:
        upload.file.seek(0)


def _read(archive: CheckedZip, member: Member, where: str, mapping: Mapping) -> None:
    # What it declares is what comes out, or the archive is refused (lib/safe_zip.py).
    if member.size > MAX_RECORDING:
        mapping.skip(
            ORIGIN,
            _("larger than %(size)s, far more than an ECG recording")
            % {"size": filesizeformat(MAX_RECORDING)},
            where,
        )
        return
    with archive.open(member) as stream:
        content = stream.read(MAX_RECORDING + 1)
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        mapping.skip(ORIGIN, _("not UTF-8 text, as the Health app writes its recordings"), where)
        return
    recording = parse(text)
    if recording is None:
        mapping.skip(ORIGIN, _("not an ECG recording as the Health app writes them"), where)
        return
    filename = member.name.rsplit("/", 1)[-1]
    moment = recording.moment
    when = recording.day or _day(_DAY_IN_NAME.search(filename))
    mapping.documents.append(
        MappedDocument(
            key=KEY + (moment.astimezone(dt.UTC).isoformat() if moment else f"file:{filename}"),
            filename=filename,
            content=content,
            origin=ORIGIN,
            where=where,
            title=(
                _("ECG: %(classification)s") % {"classification": recording.classification}
                if recording.classification
                else _("ECG")
            )[:200],
            kind="other",
            when=when,
            description=describe(recording),
        )
    )


def parse(text: str) -> Recording | None:
    """The header and the number of samples of an ECG file; None if it is not one."""
    header: list[tuple[str, str]] = []
    samples = 0
    for line in text.splitlines():
        line = line.strip()
        if not line:
            continue
        if _SAMPLE.fullmatch(line):
            samples += 1
        elif not samples:
            # "Device,"Watch5,4"": a value with a comma is quoted.
            try:
                row = next(csv.reader([line]))
            except csv.Error:  # a field longer than any header's
                return None
            header.append((row[0].strip() if row else "", ",".join(row[1:]).strip()))
    fields: dict[str, str] = {}
    for label, value in header:
        field = LABELS.get(_folded(label))
        if field is not None and field not in fields:
            fields[field] = value
    if not fields:
        # Labels in a language not listed: the fields are where Apple writes them.
        at = next((i for i, (_label, value) in enumerate(header) if _RECORDED.fullmatch(value)), -1)
        if at >= 0:
            fields["recorded"] = header[at][1]
            for field, (_label, value) in zip(AFTER_RECORDED, header[at + 1 :], strict=False):
                fields[field] = value
    if not samples or not fields:
        return None
    return Recording(**fields, samples=samples)


def describe(recording: Recording) -> str:
    """What the header says, a line each, for the document's description."""
    lines = [
        label % {"value": value}
        for label, value in (
            (_("Recorded: %(value)s"), recording.recorded),
            (_("Classification: %(value)s"), recording.classification),
            (_("Symptoms: %(value)s"), recording.symptoms),
            (_("Device: %(value)s"), recording.device),
            (_("Sample rate: %(value)s"), recording.sample_rate),
        )
        if value
    ]
    lines.append(
        ngettext("%(count)d sample", "%(count)d samples", recording.samples)
        % {"count": recording.samples}
    )
    return "\n".join(lines)


def _folded(label: str) -> str:
    decomposed = unicodedata.normalize("NFKD", label.casefold())
    return " ".join("".join(c for c in decomposed if not unicodedata.combining(c)).split())


def _day(match: re.Match[str] | None) -> PartialDate | None:
    if match is None:
        return None
    try:
        return PartialDate(int(match.group(1)), int(match.group(2)), int(match.group(3)))
    except ValueError:
        return None
