"""`carepay serve [SERVICE]`: run one service's HTTP server in the foreground (a container's command)."""
from __future__ import annotations

import typer

from shared.settings import SERVICE_PORTS, bind_host, settings_for
from shared.settings_sources import raw

SERVICE_ENV = "CAREPAY_SERVICE"


def chosen_service(given: str | None) -> str:
    """The service named on the command line, else by CAREPAY_SERVICE; a clear error for anything else."""
    name = given or raw(SERVICE_ENV) or ""
    if not name:
        raise typer.BadParameter(f"name a service or set {SERVICE_ENV}: one of {', '.join(SERVICE_PORTS)}")
    if name not in SERVICE_PORTS:
        raise typer.BadParameter(f"unknown service {name!r} (from the command line or {SERVICE_ENV}); "
                                 f"one of {', '.join(SERVICE_PORTS)}")
    return name


def serve(service: str = typer.Argument(None, help=f"The service to run; default: ${SERVICE_ENV}.")) -> None:
    """Serve SERVICE on CAREPAY_HOST and its port (CAREPAY_<SERVICE>_PORT) until SIGTERM."""
    import uvicorn

    name = chosen_service(service)
    uvicorn.run(f"services.{name}.app:app", host=bind_host(), port=settings_for(name).port,
                access_log=False, log_level="warning", server_header=False, timeout_graceful_shutdown=10)
