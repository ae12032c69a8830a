"""FHIR R4 read at /fhir/r4/: the exports' own mapping, answered to a personal access token.

Every resource here is made by the functions the FHIR and IPS exports use
(exports/fhir_resources/), so what a program reads here is what a file
exported from the same profile holds. Errors are OperationOutcomes.
"""
