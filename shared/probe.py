"""`python -m shared.probe [health|ready]`: exit 0 when this container's service answers 200 there.

For a container's HEALTHCHECK (Kubernetes probes call /health and /ready over HTTP themselves). The
service is CAREPAY_SERVICE; the address is CAREPAY_HOST, or loopback when it listens on every address.
Imports nothing but the settings, so it costs little every few seconds.
"""
from __future__ import annotations

import sys
import urllib.error
import urllib.request

from shared.settings import SERVICE_PORTS, bind_host, settings_for
from shared.settings_sources import raw

PATHS = {"health": "/health", "ready": "/ready"}
ANY_ADDRESS = {"", "0.0.0.0", "::", "[::]"}


def url(service: str, which: str) -> str:
    """The URL probing `which` (health or ready) of `service` inside its own container."""
    host = bind_host()
    host = "127.0.0.1" if host in ANY_ADDRESS else host
    if ":" in host and not host.startswith("["):
        host = f"[{host}]"
    return f"http://{host}:{settings_for(service).port}{PATHS[which]}"


def probe(service: str, which: str, timeout: float = 3.0) -> tuple[bool, str]:
    """(answered 200, what happened) for a GET of `which` on `service`."""
    try:
        with urllib.request.urlopen(url(service, which), timeout=timeout) as resp:
            return resp.status == 200, f"{which}: {resp.status}"
    except urllib.error.HTTPError as exc:
        return False, f"{which}: {exc.code}"
    except OSError as exc:
        return False, f"{which}: {type(exc).__name__}"


def main(argv: list[str]) -> int:
    which = argv[0] if argv else "health"
    service = raw("CAREPAY_SERVICE") or ""
    if which not in PATHS or service not in SERVICE_PORTS:
        print(f"usage: CAREPAY_SERVICE=<{'|'.join(SERVICE_PORTS)}> python -m shared.probe [health|ready] "
              f"(got {which!r}, CAREPAY_SERVICE={service!r})", file=sys.stderr)
        return 2
    ok, said = probe(service, which)
    print(said)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
