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

# new_namespace NAME: a fresh namespace for this scenario, removed when the script exits. A harness
# that runs a scenario again next to its ordinary run (test_rbac_least_privilege.sh) sets
# ROLLOUTD_E2E_NS_SUFFIX so the two do not share a namespace.
new_namespace() {
  ns=$1${ROLLOUTD_E2E_NS_SUFFIX:-}
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

# The availability checker (test/tools/availability_checker.cpp): ctest passes ROLLOUTD_TOOLS_DIR;
# by hand it is found next to the rolloutd build.
availability_checker_path() {
  local bin=${ROLLOUTD_BIN_DIR:-$ROLLOUTD_SOURCE_DIR/build/controller}
  echo "${ROLLOUTD_TOOLS_DIR:-$bin/../test}/availability_checker"
}

# start_checker SERVICE OUT [OPTIONS...]: runs the checker on Service SERVICE of $ns, writing
# violations to OUT (its stdout goes to OUT.log), with OPTIONS such as --min N, --min-file PATH,
# --single-revision; returns once its caches are synced. Sets checker_pid (stop_checker ends it;
# a scenario's EXIT trap should kill it too).
start_checker() {
  local service=$1 out=$2
  shift 2
  "$(availability_checker_path)" --kubeconfig "$KUBECONFIG" -n "$ns" --service "$service" --out "$out" "$@" \
    >"$out.log" 2>&1 &
  checker_pid=$!
  wait_until 60 "availability checker on $service to sync" grep -q '^synced' "$out.log"
}

# stop_checker OUT: stops the checker, logs its summary and fails the scenario if OUT records a
# violation.
stop_checker() {
  local out=$1
  [[ -n ${checker_pid:-} ]] || return 0
  kill -TERM "$checker_pid" 2>/dev/null || true
  wait "$checker_pid" 2>/dev/null || true
  checker_pid=
  log "availability checker: $(grep '^samples=' "$out.log" || echo 'no summary')"
  [[ ! -s $out ]] || fail "availability violated ($(wc -l <"$out") samples): $(head -3 "$out" | tr '\n' ';')"
}

# start_rolloutd LOG FLAG...: starts the controller in the background with the scenario's flags,
# output to LOG, pid in controller_pid. By default it is $ROLLOUTD_BIN_DIR/rolloutd with the local
# cluster's kubeconfig (admin rights). ROLLOUTD_CONTROLLER_CMD names an executable to run instead,
# given the same flags: test_rbac_least_privilege.sh runs the scenario through one that starts
# rolloutd in-cluster, with a ServiceAccount's token and exactly the rights of deploy/.
start_rolloutd() {
  local log=$1
  shift
  if [[ -n ${ROLLOUTD_CONTROLLER_CMD:-} ]]; then
    "$ROLLOUTD_CONTROLLER_CMD" "$@" >"$log" 2>&1 &
  else
    "${ROLLOUTD_BIN_DIR:-$ROLLOUTD_SOURCE_DIR/build/controller}/rolloutd" --kubeconfig "$KUBECONFIG" "$@" >"$log" 2>&1 &
  fi
  controller_pid=$!
}
