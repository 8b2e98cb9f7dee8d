#!/usr/bin/env bash
# Builds the pinned upstream Kubernetes components for the local control plane from the Go module
# proxy and caches them outside the repository, keyed by version, so a second run builds nothing.
# Sourced by scripts/local-cluster; usable alone as `scripts/lib/build-components.sh`.
#
# Resumable: every binary is written to a temporary name and renamed into place only when the
# build succeeded, and Go's build and module caches keep finished packages, so an interrupted
# build continues where it stopped.
set -euo pipefail

K8S_VERSION=${K8S_VERSION:-v1.36.3}
ETCD_VERSION=${ETCD_VERSION:-v3.6.16}
KWOK_VERSION=${KWOK_VERSION:-v0.8.0}
ROLLOUTD_CACHE=${ROLLOUTD_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/rolloutd}

# The module proxy is the only source; never fall back to the machine's own toolchain download.
export GOTOOLCHAIN=local GOFLAGS=-buildvcs=false CGO_ENABLED=0

k8s_bin_dir() { echo "$ROLLOUTD_CACHE/kubernetes-$K8S_VERSION/bin"; }
etcd_bin_dir() { echo "$ROLLOUTD_CACHE/etcd-$ETCD_VERSION/bin"; }
kwok_bin_dir() { echo "$ROLLOUTD_CACHE/kwok-$KWOK_VERSION/bin"; }

K8S_COMMANDS=(kube-apiserver kube-controller-manager kube-scheduler kubectl)

components_built() {
  local c
  for c in "${K8S_COMMANDS[@]}"; do [[ -x "$(k8s_bin_dir)/$c" ]] || return 1; done
  [[ -x "$(etcd_bin_dir)/etcd" && -x "$(kwok_bin_dir)/kwok" ]]
}

_step=0
_steps=6
progress() {
  _step=$((_step + 1))
  printf '[build %d/%d] %s\n' "$_step" "$_steps" "$*" >&2
}

# go build into a temporary file, then rename: a half-written binary is never mistaken for done.
_go_build() {
  local out=$1 pkg=$2 ldflags=${3:-}
  local start=$SECONDS
  # Module downloads are logged, not printed: a cold build fetches hundreds of modules.
  if ! go build -p "$(nproc)" -trimpath -ldflags "-s -w $ldflags" -o "$out.partial" "$pkg" 2>build.log; then
    grep -v '^go: downloading' build.log | tail -n 30 >&2
    return 1
  fi
  mv "$out.partial" "$out"
  printf '            done in %ds\n' $((SECONDS - start)) >&2
}

build_etcd() {
  local dir bin
  bin="$(etcd_bin_dir)/etcd"
  if [[ -x "$bin" ]]; then progress "etcd $ETCD_VERSION (cached)"; return; fi
  progress "etcd $ETCD_VERSION (first build takes a few minutes)"
  dir="$ROLLOUTD_CACHE/src/etcd-$ETCD_VERSION"
  mkdir -p "$dir" "$(etcd_bin_dir)"
  if [[ ! -f "$dir/go.sum" ]]; then
    (cd "$dir" && rm -f go.mod && go mod init rolloutd.local/etcd-wrapper >/dev/null 2>&1 &&
      { go get "go.etcd.io/etcd/server/v3@$ETCD_VERSION" >get.log 2>&1 || { tail -n 20 get.log >&2; exit 1; }; })
  fi
  (cd "$dir" && _go_build "$bin" go.etcd.io/etcd/server/v3 \
    "-X go.etcd.io/etcd/api/v3/version.GitSHA=rolloutd-$ETCD_VERSION")
}

# k8s.io/kubernetes replaces its staging modules with ./staging/... paths, which a dependent module
# cannot use; the wrapper replaces each of them with the published v0.X.Y module. The list is read
# from the real go.mod so a version bump needs no hand-edited list.
_k8s_wrapper() {
  local dir=$1 staging gomod name
  staging="v0.${K8S_VERSION#v1.}"
  [[ -f "$dir/go.sum" && -f "$dir/.tidy-done" ]] && return
  mkdir -p "$dir"
  gomod=$(cd "$dir" && go mod download -json "k8s.io/kubernetes@$K8S_VERSION" |
    sed -n 's/^\t"GoMod": "\(.*\)",$/\1/p')
  [[ -f "$gomod" ]] || { echo "cannot download k8s.io/kubernetes@$K8S_VERSION" >&2; return 1; }
  (
    cd "$dir"
    rm -f go.mod go.sum
    go mod init rolloutd.local/kubernetes-wrapper >/dev/null 2>&1
    go mod edit -go="$(sed -n 's/^go \([0-9.]*\)$/\1/p' "$gomod")"
    grep '^godebug' "$gomod" >>go.mod || true
    go mod edit -require="k8s.io/kubernetes@$K8S_VERSION"
    for name in $(sed -n 's#^[[:space:]]*\(k8s.io/[a-z0-9-]*\) => ./staging/.*#\1#p' "$gomod"); do
      go mod edit -replace="$name=$name@$staging"
    done
    cat >tools.go <<EOF
//go:build tools

package tools

import (
$(for c in "${K8S_COMMANDS[@]}"; do printf '\t_ "k8s.io/kubernetes/cmd/%s"\n' "$c"; done)
)
EOF
    echo "            resolving $(grep -c '=> k8s.io' go.mod) staging modules at $staging" >&2
    go mod tidy >tidy.log 2>&1 || { tail -n 20 tidy.log >&2; exit 1; }
    touch .tidy-done
  )
}

build_kubernetes() {
  local dir c ldflags major minor
  dir="$ROLLOUTD_CACHE/src/kubernetes-$K8S_VERSION"
  major=${K8S_VERSION#v}; major=${major%%.*}
  minor=${K8S_VERSION#v*.}; minor=${minor%%.*}
  ldflags=""
  for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    ldflags+=" -X $pkg.gitVersion=$K8S_VERSION -X $pkg.gitMajor=$major -X $pkg.gitMinor=$minor"
    ldflags+=" -X $pkg.gitTreeState=clean -X $pkg.buildDate=1970-01-01T00:00:00Z"
  done
  mkdir -p "$(k8s_bin_dir)"
  for c in "${K8S_COMMANDS[@]}"; do
    if [[ -x "$(k8s_bin_dir)/$c" ]]; then progress "$c $K8S_VERSION (cached)"; continue; fi
    progress "$c $K8S_VERSION (first build takes several minutes on 2 cores)"
    _k8s_wrapper "$dir"
    (cd "$dir" && _go_build "$(k8s_bin_dir)/$c" "k8s.io/kubernetes/cmd/$c" "$ldflags")
  done
}

build_kwok() {
  local bin
  bin="$(kwok_bin_dir)/kwok"
  if [[ -x "$bin" ]]; then progress "kwok $KWOK_VERSION (cached)"; return; fi
  progress "kwok $KWOK_VERSION"
  mkdir -p "$(kwok_bin_dir)"
  GOBIN="$(kwok_bin_dir)" go install -trimpath -ldflags "-s -w" "sigs.k8s.io/kwok/cmd/kwok@$KWOK_VERSION"
}

build_components() {
  command -v go >/dev/null || { echo "go is required to build the control plane" >&2; return 1; }
  _step=0
  build_etcd
  build_kubernetes
  build_kwok
}

if [[ "${BASH_SOURCE[0]}" == "$0" ]]; then
  build_components
fi
