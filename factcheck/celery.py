"""The Celery application. Its configuration is the CELERY_* part of factcheck.settings."""

import os

from celery import Celery

from factcheck.logcontext import connect_celery_signals
from factcheck.patches import celery_configuration_freeze

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "factcheck.settings")

app = Celery("factcheck")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks(["workers", "intake", "webhooks"])
# The log context (request id, task id) of web processes and workers: factcheck.logcontext.
connect_celery_signals()


@app.on_after_configure.connect
def _freeze_configuration(sender: Celery, **_: object) -> None:
    celery_configuration_freeze(sender)


@app.on_after_configure.connect
def _make_broker_folders(sender: Celery, **_: object) -> None:
    """The embedded broker keeps its messages in folders that must exist before the first send."""
    for key in ("data_folder_in", "data_folder_out", "control_folder"):
        folder = sender.conf.broker_transport_options.get(key)
        if folder:
            os.makedirs(folder, exist_ok=True)
    # Beat keeps its schedule state in a file under var/, which a fresh checkout lacks.
    schedule_file = sender.conf.beat_schedule_filename
    if schedule_file and os.path.dirname(schedule_file):
        os.makedirs(os.path.dirname(schedule_file), exist_ok=True)
