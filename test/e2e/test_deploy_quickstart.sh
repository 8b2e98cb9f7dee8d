#!/usr/bin/env bash
# Runs docs/quickstart.md: every ```sh block, in order, in one shell, exactly as written, with the
# working directory at the repository root. The ```bash block of section 0 (start the cluster,
# build, start rolloutd) is the set-up this harness does itself: a namespace of its own made the
# current one in a copy of the kubeconfig (so the quickstart's commands, which name no namespace,
# land there), rolloutd watching that namespace, and the build directory on PATH.
# From the end of step 1 until the clean-up the availability checker watches the Service hello: it
# never has fewer than 3 ready endpoints (3 replicas, maxUnavailable rounds down to 0), through the
# scaling, the rolling updates, the pause, the undo, the canary and its abort, and the blue/green
# switch and switch back.
scenario=quickstart
source "$(dirname "$0")/lib.sh"
ROLLOUTD_BIN_DIR=${ROLLOUTD_BIN_DIR:-$ROLLOUTD_SOURCE_DIR/build/controller}
doc=$ROLLOUTD_SOURCE_DIR/docs/quickstart.md
new_namespace t-deploy-quickstart

work=$(mktemp -d)
controller_log=$work/rolloutd.log
checker_pid=
cleanup() {
  [[ -n $checker_pid ]] && kill "$checker_pid" 2>/dev/null || true
  kill "${controller_pid:-}" 2>/dev/null || true
  wait "${controller_pid:-}" 2>/dev/null || true
  kubectl delete namespace "$ns" --ignore-not-found --wait=false >/dev/null 2>&1 || true
  if [[ ${keep_log:-} == 1 || -n ${ROLLOUTD_KEEP_LOGS:-} ]]; then log "logs kept in $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT
trap 'keep_log=1' ERR

kubectl apply --server-side --force-conflicts -f "$ROLLOUTD_SOURCE_DIR/crds/rolloutpolicies.rolloutd.io.yaml" >/dev/null
kubectl wait --for=condition=Established crd/rolloutpolicies.rolloutd.io --timeout=60s >/dev/null
start_rolloutd "$controller_log" --namespace "$ns" --metrics-addr 127.0.0.1:0 --log-level debug

# The quickstart's blocks, each followed by a line the harness acts on.
script=$work/quickstart.sh
awk '
  /^```sh$/ { inblock = 1; n++; print "quickstart_block " n; next }
  /^```/ && inblock { inblock = 0; print "quickstart_after " n; next }
  inblock { print }
' "$doc" >"$script"
blocks=$(grep -c '^quickstart_block ' "$script")
((blocks >= 15)) || fail "docs/quickstart.md has only $blocks sh blocks"
grep -q '^```bash$' "$doc" || fail "docs/quickstart.md has no set-up block"

block_with() {  # TEXT: the number of the first block containing TEXT
  awk -v text="$1" '/^quickstart_block / { n = $2 } index($0, text) && n { print n; exit }' "$script"
}
start_after=$(block_with 'kubectl wait --for=condition=Ready rp/auth rp/hello rp/frontend')
stop_before=$(block_with 'kubectl delete rp')
[[ -n $start_after && -n $stop_before ]] || fail "cannot find step 1's wait or the clean-up in docs/quickstart.md"
dips=$work/dips
quickstart_block() {
  log "block $1 of $blocks (docs/quickstart.md line $(grep -n '^```sh$' "$doc" | sed -n "$1p" | cut -d: -f1))"  2>&3
  if (($1 == stop_before)); then stop_checker "$dips"; fi
}
quickstart_after() {
  if (($1 == start_after)); then start_checker hello "$dips" --interval-ms 100 --min 3; fi
}

export KUBECONFIG_ADMIN=$KUBECONFIG
export KUBECONFIG=$work/kubeconfig
cp "$KUBECONFIG_ADMIN" "$KUBECONFIG"
kubectl config set-context --current --namespace "$ns" >/dev/null
export PATH="$ROLLOUTD_BIN_DIR:$PATH"
cd "$ROLLOUTD_SOURCE_DIR"
log "running the $blocks command blocks of docs/quickstart.md in namespace $ns"
# In this shell, so the checker started between blocks is this scenario's; a failing command ends
# the scenario (set -e), and the EXIT trap shows the end of the output.
exec 3>&2
show_output() { tail -40 "$work/quickstart.out" >&3; tail -20 "$controller_log" >&3; }
trap 'keep_log=1; show_output' ERR
# shellcheck disable=SC1090
source "$script" >"$work/quickstart.out" 2>&1
trap 'keep_log=1' ERR
[[ -z $checker_pid ]] || fail "the checker was never stopped"
log "$(grep -c . "$work/quickstart.out") lines of output; the checker: $(grep '^samples=' "$dips.log" || true)"
[[ -z $(k get rp,rs -o name) ]] || fail "the clean-up left: $(k get rp,rs -o name | tr '\n' ' ')"
grep -q 'ERROR\|AddressSanitizer\|runtime error' "$controller_log" && { keep_log=1; fail "errors in the controller log"; }
log "PASS"
