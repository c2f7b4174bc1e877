"""`carepay serve [SERVICE]`: run one service's HTTP server in the foreground (a container's command)."""
from __future__ import annotations

import os

import typer

from shared.settings import SERVICE_PORTS, settings_for

SERVICE_ENV = "CAREPAY_SERVICE"
HOST_ENV = "CAREPAY_HOST"
DEFAULT_HOST = "127.0.0.1"


def chosen_service(given: str | None) -> str:
    """The service named on the command line, else by CAREPAY_SERVICE; a clear error for anything else."""
    name = given or os.environ.get(SERVICE_ENV, "")
    if not name:
        raise typer.BadParameter(f"name a service or set {SERVICE_ENV}: one of {', '.join(SERVICE_PORTS)}")
    if name not in SERVICE_PORTS:
        raise typer.BadParameter(f"unknown service {name!r} (from the command line or {SERVICE_ENV}); "
                                 f"one of {', '.join(SERVICE_PORTS)}")
    return name


def bind_host() -> str:
    """CAREPAY_HOST: the address to listen on (127.0.0.1 unless set; 0.0.0.0 in containers)."""
    return os.environ.get(HOST_ENV) or DEFAULT_HOST


def serve(service: str = typer.Argument(None, help=f"The service to run; default: ${SERVICE_ENV}.")) -> None:
    """Serve SERVICE on CAREPAY_HOST and its port (CAREPAY_<SERVICE>_PORT) until SIGTERM."""
    import uvicorn

    name = chosen_service(service)
    uvicorn.run(f"services.{name}.app:app", host=bind_host(), port=settings_for(name).port,
                access_log=False, log_level="warning", server_header=False, timeout_graceful_shutdown=10)
