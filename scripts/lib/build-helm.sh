#!/usr/bin/env bash
# Builds the pinned Helm CLI from its Go module (Debian 12 packages no helm) and caches it next to
# the Kubernetes components, keyed by version, so a second run builds nothing. Only the chart tests
# and the install docs need it; the controller does not.
#
#   scripts/lib/build-helm.sh          build if missing, print the binary's path
#   source scripts/lib/build-helm.sh   then: helm_bin (path), build_helm
#
# Resumable like build-components.sh: the binary is written under a temporary name and renamed
# into place only when the build succeeded; Go's caches keep finished packages.
set -euo pipefail

HELM_VERSION=${HELM_VERSION:-v3.22.0}
ROLLOUTD_CACHE=${ROLLOUTD_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/rolloutd}

helm_bin() { echo "$ROLLOUTD_CACHE/helm-$HELM_VERSION/bin/helm"; }

build_helm() {
  local bin dir start
  bin=$(helm_bin)
  [[ -x $bin ]] && return
  command -v go >/dev/null || { echo "go is required to build helm" >&2; return 1; }
  dir=$(dirname "$bin")
  mkdir -p "$dir"
  echo "[build] helm $HELM_VERSION (first build takes several minutes on 2 cores)" >&2
  start=$SECONDS
  # Stamped as helm's own Makefile does: its version (else `helm version` says "v3.x"), and the
  # Kubernetes version `helm template` and `helm lint` assume, from the client-go it builds with
  # (else 1.20, which charts requiring a newer kubeVersion refuse).
  (
    export GOTOOLCHAIN=local GOFLAGS=-buildvcs=false CGO_ENABLED=0
    cd "$dir/.."
    local gomod client_go minor pkg flags
    gomod=$(go mod download -json "helm.sh/helm/v3@$HELM_VERSION" | sed -n 's/^\t"GoMod": "\(.*\)",$/\1/p')
    client_go=$(awk '$1 == "k8s.io/client-go" {print $2}' "$gomod")
    minor=$(cut -d. -f2 <<<"$client_go")
    [[ $minor =~ ^[0-9]+$ ]] || { echo "cannot read the client-go version of helm $HELM_VERSION" >&2; exit 1; }
    flags="-s -w -X helm.sh/helm/v3/internal/version.version=$HELM_VERSION"
    flags+=" -X helm.sh/helm/v3/internal/version.gitTreeState=clean"
    for pkg in helm.sh/helm/v3/pkg/chartutil helm.sh/helm/v3/pkg/lint/rules; do
      flags+=" -X $pkg.k8sVersionMajor=1 -X $pkg.k8sVersionMinor=$minor"
    done
    rm -rf gobin
    if ! GOBIN="$PWD/gobin" go install -trimpath -ldflags "$flags" "helm.sh/helm/v3/cmd/helm@$HELM_VERSION" 2>build.log; then
      grep -v '^go: downloading' build.log | tail -n 30 >&2
      exit 1
    fi
    mv gobin/helm "$bin"
    rmdir gobin
  )
  printf '        done in %ds\n' $((SECONDS - start)) >&2
}

if [[ "${BASH_SOURCE[0]}" == "$0" ]]; then
  build_helm
  helm_bin
fi
