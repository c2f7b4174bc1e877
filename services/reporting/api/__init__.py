"""The reporting HTTP API (one router per resource) and the operations dashboard page."""
from __future__ import annotations

from services.reporting.api import (accruals, dashboard, dashboard_sso, missed_visits, operations, people, pipeline,
                                   spend)

ROUTERS = [spend.router, people.router, operations.router, pipeline.router, missed_visits.router, accruals.router,
           dashboard.router, dashboard_sso.router]
