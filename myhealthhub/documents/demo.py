"""Demo documents: a visit summary, a lab report and a vaccination card, as real files.

The PDFs have a real text layer (matplotlib writes text as text) and the card
is a real picture, so the demo shows extraction, thumbnails and search at work.
"""

from __future__ import annotations

import datetime as dt
import io
import uuid
from typing import Any

from matplotlib.figure import Figure
from PIL import Image, ImageDraw, ImageFont

from myhealthhub.accounts.models import User
from myhealthhub.documents.actions import Details, add_document
from myhealthhub.documents.models import DocumentKind
from myhealthhub.lib.dates import PartialDate
from myhealthhub.profiles.models import Profile
from myhealthhub.records.kinds import KINDS

TEXT: dict[str, dict[str, Any]] = {
    "en": {
        "visit": ("GP visit summary.pdf", "Riverside Health Centre"),
        "visit_why": "Answered: should the metformin dose change? No, keep 500 mg twice a day.",
        "visit_lines": (
            "Riverside Health Centre: visit summary",
            "Patient: Carmen Vidal",
            "Reason for visit: diabetes and blood pressure review",
            "Blood pressure 134/82 mmHg. Weight 78 kg.",
            "HbA1c 7.1 % (target below 7.5 %).",
            "Plan: continue metformin 500 mg twice a day,",
            "lisinopril 10 mg once a day. Repeat blood test in 6 months.",
            "Dr. Ana Ruiz",
        ),
        "lab": ("Blood test results.pdf", "Central Laboratory"),
        "lab_why": "Yearly blood test before the diabetes review.",
        "lab_lines": (
            "Central Laboratory: results report",
            "Glucose (fasting)        131 mg/dL    70-100",
            "Hemoglobin A1c           7.1 %        < 5.7",
            "LDL cholesterol          118 mg/dL    < 100",
            "Creatinine               0.9 mg/dL    0.6-1.1",
        ),
        "card": ("Vaccination card.png", "Riverside Health Centre"),
        "card_why": "Proof of vaccination for travel.",
        "card_lines": ("VACCINATION CARD", "Seasonal flu", "COVID-19", "Tetanus-diphtheria"),
    },
    "es": {
        "visit": ("Resumen de la consulta.pdf", "Centro de Salud Ribera"),
        "visit_why": (
            "Respondió: ¿hay que cambiar la dosis de metformina? "
            "No, seguir con 500 mg dos veces al día."
        ),
        "visit_lines": (
            "Centro de Salud Ribera: resumen de la consulta",
            "Paciente: Carmen Vidal",
            "Motivo: revisión de la diabetes y de la tensión arterial",
            "Tensión arterial 134/82 mmHg. Peso 78 kg.",
            "HbA1c 7,1 % (objetivo por debajo de 7,5 %).",
            "Plan: seguir con metformina 500 mg dos veces al día,",
            "lisinopril 10 mg una vez al día. Repetir el análisis en 6 meses.",
            "Dra. Ana Ruiz",
        ),
        "lab": ("Resultados del análisis.pdf", "Laboratorio Central"),
        "lab_why": "Análisis anual antes de la revisión de la diabetes.",
        "lab_lines": (
            "Laboratorio Central: informe de resultados",
            "Glucosa (en ayunas)      131 mg/dL    70-100",
            "Hemoglobina A1c          7,1 %        < 5,7",
            "Colesterol LDL           118 mg/dL    < 100",
            "Creatinina               0,9 mg/dL    0,6-1,1",
        ),
        "card": ("Cartilla de vacunación.png", "Centro de Salud Ribera"),
        "card_why": "Justificante de vacunación para viajar.",
        "card_lines": (
            "CARTILLA DE VACUNACIÓN",
            "Gripe estacional",
            "COVID-19",
            "Tétanos-difteria",
        ),
    },
}


def pdf_with_text(*lines: str) -> bytes:
    """A one-page A4 PDF whose lines are a real text layer."""
    figure = Figure(figsize=(8.27, 11.69))
    for number, line in enumerate(lines):
        figure.text(0.1, 0.92 - number * 0.04, line, fontsize=13, family="monospace")
    out = io.BytesIO()
    figure.savefig(out, format="pdf")
    return out.getvalue()


def card_picture(lines: tuple[str, ...]) -> bytes:
    card = Image.new("RGB", (856, 540), (240, 246, 250))
    draw = ImageDraw.Draw(card)
    draw.rectangle((0, 0, 855, 90), fill=(11, 110, 79))
    title_font = ImageFont.load_default(size=40)
    font = ImageFont.load_default(size=30)
    draw.text((32, 22), lines[0], fill="white", font=title_font)
    for number, line in enumerate(lines[1:]):
        y = 130 + number * 70
        draw.text((32, y), line, fill=(28, 36, 48), font=font)
        draw.line((32, y + 50, 820, y + 50), fill=(200, 208, 218), width=2)
    out = io.BytesIO()
    card.save(out, format="PNG")
    return out.getvalue()


def add_demo_documents(profile: Profile, owner: User, language: str, today: dt.date) -> None:
    text = TEXT[language]
    medicines = KINDS["medications"].queryset(profile).alive()
    visits = KINDS["visits"].queryset(profile).alive().order_by("-date")
    links: list[tuple[str, uuid.UUID]] = [("medications", entry.uuid) for entry in medicines[:2]]
    links += [("visits", entry.uuid) for entry in visits[:1]]
    examples: tuple[tuple[str, str, bytes, int, list[tuple[str, uuid.UUID]]], ...] = (
        ("visit", DocumentKind.VISIT_SUMMARY, pdf_with_text(*text["visit_lines"]), 40, links),
        ("lab", DocumentKind.LAB_REPORT, pdf_with_text(*text["lab_lines"]), 47, []),
        ("card", DocumentKind.IMMUNIZATION_CARD, card_picture(text["card_lines"]), 200, []),
    )
    for key, kind, content, days_ago, linked in examples:
        title, facility = text[key]
        add_document(
            profile,
            io.BytesIO(content),
            filename=title,
            actor=owner,
            request=None,
            details=Details(
                kind=kind,
                when=PartialDate.from_stored(today - dt.timedelta(days=days_ago), "day"),
                facility=facility,
                why=text[f"{key}_why"],
                links=linked,
            ),
        )
