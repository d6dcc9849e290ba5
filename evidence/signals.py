"""Domain signals of the evidence app, for apps that build on it (webhooks, metrics) without the
evidence app knowing them.

`fetch_job_closed` is sent by evidence.services when a fetch job ends as succeeded or failed
(fetch_job_finish, fetch_job_fail), inside the transaction that closed it, with `job` (the saved
FetchJob, its `ticket` loaded) and `status` (the FetchStatus it ended in). Receivers that talk to
the outside world register `transaction.on_commit` callbacks."""

from django.dispatch import Signal

fetch_job_closed = Signal()
