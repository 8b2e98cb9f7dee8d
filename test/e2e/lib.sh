#!/usr/bin/env bash
# Shared helpers for the tier-2 shell scenarios. Each scenario sources this, gets its own
# namespace (deleted on exit), and drives the local control plane with kubectl as a user would.
set -euo pipefail

ROLLOUTD_SOURCE_DIR=${ROLLOUTD_SOURCE_DIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
eval "$("$ROLLOUTD_SOURCE_DIR/scripts/local-cluster" env)"

log() { printf '[%s %s] %s\n' "$(date +%T)" "${scenario:-e2e}" "$*" >&2; }
fail() {
  log "FAIL: $*"
  exit 1
}

# wait_until TIMEOUT_SECONDS DESCRIPTION COMMAND...: re-checks COMMAND until it succeeds; fails the
# scenario with DESCRIPTION when the deadline passes.
wait_until() {
  local timeout=$1 what=$2 deadline
  shift 2
  deadline=$((SECONDS + timeout))
  until "$@" >/dev/null 2>&1; do
    ((SECONDS < deadline)) || fail "timed out after ${timeout}s waiting for: $what"
    sleep 0.2  # re-check interval of a condition poll, not a fixed wait
  done
}

# new_namespace NAME: a fresh namespace for this scenario, removed when the script exits.
new_namespace() {
  ns=$1
  kubectl delete namespace "$ns" --ignore-not-found --wait=true >/dev/null
  kubectl create namespace "$ns" >/dev/null
  trap 'kubectl delete namespace "$ns" --ignore-not-found --wait=false >/dev/null 2>&1 || true' EXIT
  wait_until 30 "default ServiceAccount in $ns" kubectl get serviceaccount default -n "$ns"
}

k() { kubectl -n "$ns" "$@"; }

# Ready pods matching a label selector.
ready_pods() {
  k get pods -l "$1" -o jsonpath='{range .items[*]}{.metadata.name}{" "}{.status.conditions[?(@.type=="Ready")].status}{"\n"}{end}' |
    awk '$2 == "True" {print $1}'
}
count_ready_pods() { ready_pods "$1" | grep -c . || true; }
