"""The worker fixtures (real Celery processes against the stub services) for the ops tests."""

from tests.stubs.fixtures import clear_rate_limits, stub, stub_server, stub_settings  # noqa: F401
from tests.workers.conftest import worker_env, workers  # noqa: F401
