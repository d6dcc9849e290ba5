"""Celery tasks. Thin: load by id, call a provider and a service, record the job."""

from __future__ import annotations

from celery import shared_task


@shared_task(name="workers.run_fetch_job", acks_late=True)
def run_fetch_job(job_id: int) -> None:
    raise NotImplementedError("filled in by the workers issue")
