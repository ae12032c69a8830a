"""Exports: a profile written out as a PDF summary, an IPS, FHIR, CSV or iCalendar.

One module per format, registered in ``formats.py``; ``jobs.py`` runs the
long ones in the background and keeps their sealed result for a day.
"""
