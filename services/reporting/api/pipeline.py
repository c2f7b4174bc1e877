"""HTTP: the pipeline at a glance, for the dashboard."""
from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends

from shared.auth import Principal, require
from services.reporting.api.common import OFFICERS
from services.reporting.api.models import PipelineOut
from services.reporting.steps.pipeline_health import pipeline

router = APIRouter(tags=["operations"])


@router.get("/pipeline", response_model=PipelineOut,
            summary="Each service's readiness, consumer lag per group, outbox backlog and dead letters")
async def get_pipeline_health(_: Annotated[Principal, Depends(require(*OFFICERS))]):
    return await pipeline()
