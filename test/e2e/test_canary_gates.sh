#!/usr/bin/env bash
# Issue 14's canary gates on the local control plane, each of which failed before its fix. `gates`
# runs 2 replicas (maxSurge 1, maxUnavailable 0, steps [setWeight 50, pause {}],
# progressDeadlineSeconds 10, scaleDownDelaySeconds 60) behind the Services gates, gates-stable and
# gates-canary:
#  4. v3, whose pods never turn Ready, replaces v2 at the open pause: gates-canary stays pinned to
#     v2 and keeps v2's ready pod (it used to move to v3 at once, with no endpoint left);
#  6. v4 (progressDeadlineAbort) replaces v3; the controller is stopped past the deadline while
#     v4's pod turns Ready (its status patched, as a passing readiness probe would): started again,
#     it sees progress and does not abort;
#  8. with spec.paused, a Promote waits in status.operation and no step completes until the resume;
#  5. promoted while the previous stable keeps its pod for scaleDownDelaySeconds (longer than the
#     deadline): Progressing stays True/NewReplicaSetAvailable past the deadline, no Degraded or
#     Stalled.
# Throughout, the availability checker holds gates' ready endpoints at replicas - maxUnavailable (2).
scenario=canary-gates
source "$(dirname "$0")/lib.sh"
ROLLOUTD_BIN_DIR=${ROLLOUTD_BIN_DIR:-$ROLLOUTD_SOURCE_DIR/build/controller}
new_namespace t-canary-gates

kubectl apply --server-side --force-conflicts -f "$ROLLOUTD_SOURCE_DIR/crds/rolloutpolicies.rolloutd.io.yaml" >/dev/null
kubectl wait --for=condition=Established crd/rolloutpolicies.rolloutd.io --timeout=60s >/dev/null

work=$(mktemp -d)
controller_log=$work/rolloutd.log
start_controller() { start_rolloutd "$controller_log" --namespace "$ns" --metrics-addr 127.0.0.1:0 --log-level debug; }
stop_controller() {
  kill -TERM "$controller_pid"
  local rc=0
  wait "$controller_pid" || rc=$?
  [[ $rc == 0 ]] || fail "rolloutd exited $rc on SIGTERM"
  grep -q 'ERROR\|AddressSanitizer\|runtime error' "$controller_log" && { keep_log=1; fail "errors in the controller log"; }
  cat "$controller_log" >>"$work/rolloutd-all.log"
  controller_pid=
}
start_controller
checker_pid=
cleanup() {
  local rc=$?
  if ((rc != 0)); then
    keep_log=1
    k get events --sort-by=.lastTimestamp 2>/dev/null | tail -30 >&2 || true
  fi
  [[ -n $checker_pid ]] && kill "$checker_pid" 2>/dev/null || true
  [[ -n ${controller_pid:-} ]] && { kill "$controller_pid" 2>/dev/null || true; wait "$controller_pid" 2>/dev/null || true; }
  kubectl delete namespace "$ns" --ignore-not-found --wait=false >/dev/null 2>&1 || true
  if [[ ${keep_log:-} == 1 ]]; then log "controller logs kept in $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT
trap 'keep_log=1; tail -40 "$controller_log" >&2' ERR

# policy VERSION [NEVER_READY [ABORT]]: the `gates` RolloutPolicy running kelseyhightower/hello:VERSION;
# NEVER_READY=true keeps its pods un-Ready (a failing readiness probe); ABORT sets
# progressDeadlineAbort.
policy() {
  k apply -f - >/dev/null <<YAML
apiVersion: rolloutd.io/v1alpha1
kind: RolloutPolicy
metadata: {name: gates}
spec:
  replicas: 2
  progressDeadlineSeconds: 10
  progressDeadlineAbort: ${3:-false}
  selector: {matchLabels: {app: gates}}
  template:
    metadata:
      labels: {app: gates}
      annotations: {${2:+kwok.rolloutd.io/never-ready: \"true\"}}
    spec:
      containers: [{name: hello, image: "kelseyhightower/hello:$1", ports: [{name: http, containerPort: 80}]}]
  strategy:
    canary:
      maxSurge: 1
      maxUnavailable: 0
      service: gates
      stableService: gates-stable
      canaryService: gates-canary
      scaleDownDelaySeconds: 60
      steps:
      - setWeight: 50
      - pause: {}
YAML
}
service() {
  k apply -f - >/dev/null <<YAML
apiVersion: v1
kind: Service
metadata: {name: $1}
spec:
  selector: {app: gates}
  ports: [{name: http, port: 80, targetPort: http}]
YAML
}
operation() {
  local body
  body=$(printf '{"status":{"operation":{"type":"%s","requestedAt":"%s","requestedBy":"e2e"}}}' "$1" "$(date -u +%FT%TZ)")
  k patch rp gates --subresource=status --type=merge -p "$body" >/dev/null
}
field() { k get rp gates -o jsonpath="{$1}"; }
current() { [[ $(field .status.observedGeneration) == $(field .metadata.generation) ]]; }
condition() { k get rp gates -o jsonpath="{.status.conditions[?(@.type==\"$1\")].$2}"; }
field_is() { [[ $(field "$1") == "$2" ]]; }
at_step() { current && [[ $(field .status.currentStepIndex) == "$1" && $(field .status.phase) == "$2" ]]; }
pinned() { k get service "$1" -o jsonpath='{.spec.selector.rolloutd\.io/pod-template-hash}'; }
pinned_to() { [[ $(pinned "$1") == "$2" ]]; }
rs_field() { k get rs "gates-$1" -o jsonpath="{$2}"; }
rs_field_is() { [[ $(rs_field "$1" "$2") == "$3" ]]; }
# The ready endpoints of a Service, as pod-template hashes (pods are named gates-<hash>-<suffix>).
endpoint_hashes() {
  k get endpointslices -l "kubernetes.io/service-name=$1" \
    -o jsonpath='{range .items[*].endpoints[?(@.conditions.ready==true)]}{.targetRef.name}{"\n"}{end}' |
    sed -n 's/^gates-\(.*\)-[^-]*$/\1/p' | sort | uniq -c | xargs
}
endpoints_are() { [[ $(endpoint_hashes "$1") == "$2" ]]; }
# mark_ready HASH: the readiness probe of HASH's pods starts passing (they were created never-ready).
mark_ready() {
  local pod
  for pod in $(k get pods -l "rolloutd.io/pod-template-hash=$1" -o name); do
    k patch "$pod" --subresource=status --type=strategic \
      -p '{"status":{"conditions":[{"type":"Ready","status":"True"},{"type":"ContainersReady","status":"True"}]}}' >/dev/null
  done
}

log "v1: the first revision, then the Services pinned to it"
for s in gates gates-stable gates-canary; do service $s; done
policy 1.0.0
wait_until 90 "gates Healthy on its first revision" field_is .status.phase Healthy
v1=$(field .status.stablePodHash)
wait_until 30 "gates-stable and gates-canary pinned to $v1" eval 'pinned_to gates-stable "$v1" && pinned_to gates-canary "$v1"'
dips=$work/dips
start_checker gates "$dips" --interval-ms 100 --min 2

log "v2 at the open pause: one v2 pod behind gates-canary"
policy 2.0.0
wait_until 60 "the policy to see v2" eval '[[ $(field .status.currentPodHash) != "$v1" ]]'
v2=$(field .status.currentPodHash)
wait_until 60 "v2 paused at step index 1" at_step 1 Paused
wait_until 30 "gates-canary showing v2's pod" endpoints_are gates-canary "1 $v2"

log "defect 4: v3 (never Ready) replaces v2: gates-canary keeps v2 and its ready pod"
policy 3.0.0 true
wait_until 60 "the policy to see v3" eval '[[ $(field .status.currentPodHash) != "$v2" ]]'
v3=$(field .status.currentPodHash)
# The controller has seen v3's pod (its status counts it) and written the status after that sync.
wait_until 60 "v3's pod created and counted" eval 'rs_field_is "$v3" .status.replicas 1 && current && field_is .status.updatedReplicas 1'
pinned_to gates-canary "$v2" || fail "gates-canary moved to $(pinned gates-canary) while v3 has no ready pod"
endpoints_are gates-canary "1 $v2" || fail "gates-canary endpoints: $(endpoint_hashes gates-canary)"

log "defect 6: v4 (progressDeadlineAbort) replaces v3; the controller is down past the deadline while v4's pod turns Ready"
policy 4.0.0 true true
wait_until 60 "the policy to see v4" eval '[[ $(field .status.currentPodHash) != "$v3" ]]'
v4=$(field .status.currentPodHash)
wait_until 60 "v4's pod created and counted" eval 'rs_field_is "$v4" .status.replicas 1 && current && field_is .status.updatedReplicas 1'
stop_controller
since=$(date -d "$(condition Progressing lastUpdateTime)" +%s)
past_deadline() { (($(date +%s) > since + 10 + 5)); }  # the deadline, and the recheck that would judge it
wait_until 60 "the progress deadline to pass" past_deadline
mark_ready "$v4"
wait_until 30 "v4's pod available" rs_field_is "$v4" .status.availableReplicas 1
start_controller
wait_until 60 "v4 paused at step index 1" at_step 1 Paused
[[ $(field .status.abort) != true ]] || fail "aborted although the canary had progressed: $(field .status.message)"
wait_until 30 "gates-canary on v4" endpoints_are gates-canary "1 $v4"

log "defect 8: a promote while spec.paused waits for the resume"
k patch rp gates --type=merge -p '{"spec":{"paused":true}}' >/dev/null
wait_until 30 "spec.paused observed" eval 'current && field_is .status.phase Paused && [[ $(condition Paused reason) == RolloutPaused ]]'
operation Promote
held() { [[ $(field .status.message) == *"promote requested, held until spec.paused is lifted"* ]]; }
wait_until 30 "the promote held" held
[[ $(field .status.currentStepIndex) == 1 ]] || fail "a step completed while paused: index $(field .status.currentStepIndex)"
[[ $(field .status.operation.type) == Promote ]] || fail "the promote was taken: '$(field .status.operation)'"
k patch rp gates --type=merge -p '{"spec":{"paused":false}}' >/dev/null

log "defect 5: promoted, v1 keeps its pod for scaleDownDelaySeconds (60) past the deadline (10)"
wait_until 60 "v4's second pod" rs_field_is "$v4" .status.replicas 2
mark_ready "$v4"
released() {
  field_is .status.stablePodHash "$v4" && [[ $(condition Progressing reason) == NewReplicaSetAvailable ]]
}
wait_until 90 "v4 promoted" released
[[ -z $(field .status.operation) ]] || fail "status.operation left after the resume: $(field .status.operation)"
rs_field_is "$v1" .spec.replicas 1 || fail "v1 kept $(rs_field "$v1" .spec.replicas) pods, want 1"
since=$(date -d "$(condition Progressing lastUpdateTime)" +%s)
wait_until 60 "the progress deadline to pass" past_deadline
rs_field_is "$v1" .spec.replicas 1 || fail "v1's delay ended early"
[[ $(field .status.phase) != Degraded ]] || fail "a released rollout turned Degraded: $(field .status.message)"
[[ $(condition Progressing status)/$(condition Progressing reason) == True/NewReplicaSetAvailable ]] ||
  fail "Progressing $(condition Progressing status)/$(condition Progressing reason)"
[[ -z $(condition Stalled status) ]] || fail "Stalled: $(condition Stalled message)"
stop_checker "$dips"

stop_controller
log "PASS"
