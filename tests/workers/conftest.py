from tests.stubs.fixtures import stub, stub_server, stub_settings  # noqa: F401
