#!/usr/bin/env bash
# Make sure the machine has what the local stack needs: Python >= 3.11 with venv, Java 17+, Maven,
# and the operators' tools the tests use: promtool (Debian's prometheus) and kcat.
# `prereqs.sh --for-tests` (run by `make test`) also wants Chromium, for the dashboard's browser test:
# it is large (a few hundred MB), so `make run` does not install it.
# Installs Debian packages when run as root on Debian; otherwise says exactly what to install.
set -euo pipefail
say() { echo "[prereqs] $*" >&2; }

missing=()
python3 -c 'import sys, venv, ensurepip; sys.exit(sys.version_info < (3, 11))' 2>/dev/null || missing+=(python3 python3-venv)
v="$(java -version 2>&1 | sed -n 's/.*version "\([0-9]*\)[."].*/\1/p' | head -1 || true)"
[[ -n "$v" && "$v" -ge 17 ]] || missing+=(openjdk-17-jdk-headless)
command -v mvn >/dev/null || missing+=(maven)
command -v promtool >/dev/null || missing+=(prometheus)
command -v kcat >/dev/null || missing+=(kcat)
[[ "${1:-}" != "--for-tests" ]] || command -v chromium >/dev/null || missing+=(chromium)
[[ ${#missing[@]} -eq 0 ]] && exit 0

if [[ $(id -u) -eq 0 && -f /etc/debian_version ]]; then
  say "installing ${missing[*]} from Debian's archive"
  export DEBIAN_FRONTEND=noninteractive
  # --no-install-recommends keeps prometheus from pulling in its web console and exporters, and chromium
  # from pulling in extra fonts, drivers and desktop integration a headless test has no use for.
  apt-get update -qq >&2 && apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2 || {
    say "apt-get install ${missing[*]} failed: install them by hand"; exit 1; }
else
  say "missing: ${missing[*]}. Install them (Debian/Ubuntu: sudo apt-get install -y ${missing[*]}) and run make again."
  exit 1
fi
