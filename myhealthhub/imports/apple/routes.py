"""The GPX files of an export's workouts, kept as documents of their workouts.

A ``<Workout>`` names its route by a path inside the export folder
("/workout-routes/route_2019-06-11_3.00pm.gpx"). The file is read from the
zip once the export's main file has been read; a bare ``export.xml`` has no
routes beside it, which the preview says once for each route it names.
"""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from myhealthhub.errors import Refused
from myhealthhub.imports.apple import workouts
from myhealthhub.imports.base import MappedEntry, Mapping, Skipped, Upload
from myhealthhub.lib.safe_zip import UnsafeZip, checked_zip, is_zip

ORIGIN = "WorkoutRoute"
# A route is a few hundred kilobytes for hours of running; one past this is no route.
MAX_ROUTE = 32 * 1024 * 1024


def read_routes(upload: Upload, routes: list[tuple[str, MappedEntry]], mapping: Mapping) -> None:
    """Each route's file as a document of its workout, or skipped saying why."""
    if not routes:
        return
    if not is_zip(upload.head(8)):
        mapping.skipped.append(
            Skipped(
                ORIGIN,
                _("its file is not in what was imported: import the whole export.zip to keep it"),
                upload.name,
                count=len(routes),
            )
        )
        return
    try:
        with checked_zip(upload.file) as archive:
            # "apple_health_export/workout-routes/route….gpx": the export's folder is
            # named in the phone's language, so a member is found by how its name ends.
            members = {member.name: member for member in archive.members}
            members.update((member.name.split("/", 1)[-1], member) for member in archive.members)
            for path, entry in routes:
                member = members.get(path)
                where = f"{upload.name}/{member.name if member else path}"
                if member is None:
                    mapping.skipped.append(
                        Skipped(ORIGIN, _("its file is not in the export"), where)
                    )
                    continue
                if member.size > MAX_ROUTE:
                    mapping.skipped.append(Skipped(ORIGIN, _too_large(), where))
                    continue
                with archive.open(member) as stream:
                    content = stream.read(MAX_ROUTE + 1)
                mapping.documents.append(
                    workouts.route_document(
                        path,
                        content,
                        entry.key,
                        entry.values.get("starts_at"),
                        workout=entry.values.get("display", ""),
                    )
                )
    except UnsafeZip as error:
        raise Refused(str(error), upload.name) from None
    finally:
        upload.file.seek(0)


def _too_large() -> str:
    megabytes = MAX_ROUTE // (1024 * 1024)
    return ngettext(
        "larger than %(count)d megabyte: no route is that large",
        "larger than %(count)d megabytes: no route is that large",
        megabytes,
    ) % {"count": megabytes}
