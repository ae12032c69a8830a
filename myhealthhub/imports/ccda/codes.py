"""HL7 codes and template ids that the readers of several sections tell statements apart by."""

from __future__ import annotations

# moodCodes of something prescribed, ordered or proposed: not done (yet).
INTENDED_MOODS = frozenset({"INT", "RQO", "PRMS", "PRP", "ARQ"})
# ...and an appointment: a test, procedure or visit booked has not taken place.
PLANNED = INTENDED_MOODS | {"APT"}
# statusCodes of something that did not happen.
CANCELLED = frozenset({"cancelled", "aborted"})
INSTRUCTION_TEMPLATE = "2.16.840.1.113883.10.20.22.4.20"
# Instructions (C-CDA), and CCD 1.0's patient and fill instructions.
INSTRUCTION_TEMPLATES = frozenset(
    {
        INSTRUCTION_TEMPLATE,
        "2.16.840.1.113883.10.20.1.49",
        "2.16.840.1.113883.10.20.1.43",
    }
)
# Reaction observation (C-CDA) and CCD 1.0's.
REACTION_TEMPLATES = frozenset({"2.16.840.1.113883.10.20.22.4.9", "2.16.840.1.113883.10.20.1.54"})
# Severity observation (C-CDA) and CCD 1.0's, of a problem or of an allergy's reaction.
SEVERITY_TEMPLATES = frozenset({"2.16.840.1.113883.10.20.22.4.8", "2.16.840.1.113883.10.20.1.55"})
# SNOMED CT severities.
SEVERITIES = {
    "255604002": "mild",
    "371923003": "mild",
    "6736007": "moderate",
    "371924009": "moderate",
    "24484000": "severe",
    "442452003": "severe",
}
