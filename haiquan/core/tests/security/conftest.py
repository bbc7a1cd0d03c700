from haiquan.core.tests.fixtures import fresh_limits, world  # noqa: F401 - fixtures
