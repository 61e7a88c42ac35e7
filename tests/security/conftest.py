"""The service fixtures (see ``tests/service_fixtures.py``)."""

from service_fixtures import *  # noqa: F403
from service_fixtures import HEADERS, KEY, make_settings, wait_ready  # noqa: F401
