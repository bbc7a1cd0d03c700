"""The risk router under /api/v1/risk with the project's problem+json handlers, for tests.

The project mounts the same router in `haiquan.config.api`; a separate API here keeps these
tests independent of which other routers are mounted there.
"""

from django.urls import path
from ninja import NinjaAPI

from haiquan.core.api import install_problem_handlers
from haiquan.risk.api import router

api = NinjaAPI(title="risk (tests)", version="test", urls_namespace="risk-tests")
install_problem_handlers(api)
api.add_router("/risk", router)

urlpatterns = [path("api/v1/", api.urls)]
