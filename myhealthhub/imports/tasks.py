"""Import work done by the task worker: reading a job's files, and committing it."""

from __future__ import annotations

from django_tasks import task

from myhealthhub.imports import pipeline
from myhealthhub.imports.models import ImportJob, JobState


@task()
def read_import(job_id: int) -> None:
    job = ImportJob.objects.select_related("profile").filter(pk=job_id).first()
    if job is not None and job.state == JobState.READING:
        pipeline.read_job(job)


@task()
def commit_import(job_id: int) -> None:
    job = ImportJob.objects.select_related("profile").filter(pk=job_id).first()
    if job is not None and job.state == JobState.COMMITTING:
        pipeline.commit_job(job)
