# syntax=docker/dockerfile:1
# One image for every Carepay service and for `carepay migrate`:
#   docker build -t carepay .
#   docker run -e CAREPAY_SERVICE=delivery carepay            # or: docker run carepay carepay serve delivery
#   docker run carepay carepay migrate                        # every service's migrations, then exits
# Build argument CAREPAY_SERVICE sets the service the image serves when none is named (default requests).
# The base is pinned by tag; pin it by digest too where you build (README, "Deploying": where the image comes from).
FROM python:3.11.14-slim-bookworm AS base

# --- build: wheels of Carepay and of every dependency, at the versions constraints.txt pins ---------------
FROM base AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1 PYTHONDONTWRITEBYTECODE=1
WORKDIR /src
COPY pyproject.toml constraints.txt ./
COPY contracts ./contracts
COPY shared ./shared
COPY services ./services
# Binary wheels only for the dependencies: nothing is compiled, so no compiler is needed in any stage.
RUN pip wheel --wheel-dir /wheels --only-binary=:all: -c constraints.txt . \
 && python -m venv /opt/carepay \
 && /opt/carepay/bin/pip install --no-index --find-links=/wheels -c constraints.txt /wheels/carepay-*.whl

# --- runtime: the virtual environment alone, run by an unprivileged user ------------------------------------
FROM base AS runtime
ARG CAREPAY_SERVICE=requests
LABEL org.opencontainers.image.title="carepay" \
      org.opencontainers.image.description="Carepay: one image for each service (CAREPAY_SERVICE) and carepay migrate" \
      org.opencontainers.image.source="https://example.invalid/carepay" \
      org.opencontainers.image.licenses="NOASSERTION"
# The user and group own nothing in the image: the code is root's and read-only to them.
RUN groupadd --system --gid 10001 carepay \
 && useradd --system --uid 10001 --gid carepay --home-dir /nonexistent --no-create-home --shell /usr/sbin/nologin carepay
COPY --from=build /opt/carepay /opt/carepay
ENV PATH=/opt/carepay/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    CAREPAY_ENV=production \
    CAREPAY_HOST=0.0.0.0 \
    CAREPAY_SERVICE=${CAREPAY_SERVICE}
WORKDIR /tmp
USER 10001:10001
# The services' default ports (CAREPAY_<SERVICE>_PORT moves one).
EXPOSE 8001 8002 8003 8004 8005 8006 8007
# Alive = GET /health answers 200 (Kubernetes probes /health and /ready itself: deploy/helm/carepay).
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 CMD ["python", "-m", "shared.probe", "health"]
STOPSIGNAL SIGTERM
CMD ["carepay", "serve"]
