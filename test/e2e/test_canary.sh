#!/usr/bin/env bash
# The canary strategy end to end, as a user drives it with kubectl against the local control plane.
# `hello` v1 runs 4 replicas behind the Service `hello` (which selects every revision), plus
# hello-stable and hello-canary, whose selectors rolloutd pins to one revision each, all three with
# ClientIP session affinity. v2 goes through the steps [setWeight 25, pause {}, setWeight 50,
# pause {duration: 10s}, setWeight 100]: at each step the EndpointSlices of `hello` list v1 and v2
# pods in the expected numbers, hello-canary only v2 and hello-stable only v1; a promote (written to
# status.operation through the status subresource) ends the open pause; the timed pause ends by
# itself. Back on v1 (promote --full), a second run of v2 is aborted at 50%: every endpoint returns
# to v1, spec.template keeps v2; retry starts the steps again and a full promotion finishes them.
# Throughout, an availability checker samples the ready endpoints of `hello` every 100 ms and fails
# the test if they ever drop below replicas - maxUnavailable (4 - 1). Also: a named Service that does not exist yet is
# reported and picked up when it appears; deleting the policy releases the Services.
scenario=canary
source "$(dirname "$0")/lib.sh"
ROLLOUTD_BIN_DIR=${ROLLOUTD_BIN_DIR:-$ROLLOUTD_SOURCE_DIR/build/controller}
new_namespace t-canary

kubectl apply --server-side --force-conflicts -f "$ROLLOUTD_SOURCE_DIR/crds/rolloutpolicies.rolloutd.io.yaml" >/dev/null
kubectl wait --for=condition=Established crd/rolloutpolicies.rolloutd.io --timeout=60s >/dev/null

work=$(mktemp -d)
controller_log=$work/rolloutd.log
start_rolloutd "$controller_log" --namespace "$ns" --metrics-addr 127.0.0.1:0 --log-level debug
checker_pid=
cleanup() {
  local rc=$?
  if ((rc != 0)); then
    keep_log=1
    k get events --sort-by=.lastTimestamp 2>/dev/null | tail -30 >&2 || true
  fi
  [[ -n $checker_pid ]] && kill "$checker_pid" 2>/dev/null || true
  kill "$controller_pid" 2>/dev/null || true
  wait "$controller_pid" 2>/dev/null || true
  kubectl delete namespace "$ns" --ignore-not-found --wait=false >/dev/null 2>&1 || true
  if [[ ${keep_log:-} == 1 ]]; then log "controller log kept at $controller_log"; else rm -rf "$work"; fi
}
trap cleanup EXIT
trap 'keep_log=1; tail -40 "$controller_log" >&2' ERR

# policy VERSION [PAUSE]: applies the `hello` RolloutPolicy running kelseyhightower/hello:VERSION,
# with the issue's steps; PAUSE replaces the second pause's {duration: 10s}.
policy() {
  k apply -f - >/dev/null <<YAML
apiVersion: rolloutd.io/v1alpha1
kind: RolloutPolicy
metadata: {name: hello}
spec:
  replicas: 4
  selector: {matchLabels: {app: hello}}
  template:
    metadata:
      labels: {app: hello}
      annotations: {kwok.rolloutd.io/ready-delay: "1s"}
    spec:
      containers: [{name: hello, image: "kelseyhightower/hello:$1", ports: [{name: http, containerPort: 80}]}]
  strategy:
    canary:
      maxSurge: 1
      maxUnavailable: 1
      service: hello
      stableService: hello-stable
      canaryService: hello-canary
      sessionAffinity: {type: ClientIP, timeoutSeconds: 600}
      abortScaleDownDelaySeconds: 5
      steps:
      - setWeight: 25
      - pause: {}
      - setWeight: 50
      - pause: ${2:-{duration: 10s\}}
      - setWeight: 100
YAML
}
service() {  # NAME: a Service selecting every hello pod (rolloutd narrows the pinned ones)
  k apply -f - >/dev/null <<YAML
apiVersion: v1
kind: Service
metadata: {name: $1}
spec:
  selector: {app: hello}
  ports: [{name: http, port: 80, targetPort: http}]
YAML
}
# operation TYPE: what `kubectl rp promote|abort|retry` writes, through the status subresource.
operation() {
  local body
  body=$(printf '{"status":{"operation":{"type":"%s","requestedAt":"%s","requestedBy":"e2e"}}}' "$1" "$(date -u +%FT%TZ)")
  k patch rp hello --subresource=status --type=merge -p "$body" >/dev/null
}
field() { k get rp hello -o jsonpath="{$1}"; }
current() { [[ $(field .status.observedGeneration) == $(field .metadata.generation) ]]; }
condition() { k get rp hello -o jsonpath="{.status.conditions[?(@.type==\"$1\")].$2}"; }
field_is() { [[ $(field "$1") == "$2" ]]; }
field_is_not() { [[ $(field "$1") != "$2" ]]; }
at_step() {  # INDEX PHASE: the status records the step index and the phase for the current spec
  current && [[ $(field .status.currentStepIndex) == "$1" && $(field .status.phase) == "$2" ]]
}
healthy_on() {  # HASH: the rollout is complete on that revision
  current && [[ $(field .status.phase) == Healthy && $(field .status.stablePodHash) == "$1" &&
    $(field .status.availableReplicas) == 4 && $(field .status.replicas) == 4 ]]
}

# The ready endpoints a Service's EndpointSlices list, as "<pod-template-hash>" lines (a pod of
# ReplicaSet hello-<hash> is named hello-<hash>-<suffix>).
endpoint_hashes() {
  k get endpointslices -l "kubernetes.io/service-name=$1" \
    -o jsonpath='{range .items[*].endpoints[?(@.conditions.ready==true)]}{.targetRef.name}{"\n"}{end}' |
    sed -n 's/^hello-\(.*\)-[^-]*$/\1/p' | sort
}
count_of() { grep -cx "$2" <<<"$1" || true; }
# endpoints SERVICE HASH COUNT [HASH COUNT]: the Service lists exactly these ready endpoints.
endpoints() {
  local svc=$1 seen total=0
  shift
  seen=$(endpoint_hashes "$svc")
  while (($# >= 2)); do
    [[ $(count_of "$seen" "$1") == "$2" ]] || return 1
    total=$((total + $2))
    shift 2
  done
  [[ $(grep -c . <<<"$seen" || true) == "$total" ]]
}
expect_endpoints() {  # TIMEOUT SERVICE HASH COUNT [HASH COUNT]: waits for endpoints to say so
  local deadline=$((SECONDS + $1))
  shift
  until endpoints "$@"; do
    ((SECONDS < deadline)) || fail "$1 endpoints: want ${*:2}; have $(endpoint_hashes "$1" | uniq -c | xargs)"
    sleep 0.2  # re-check interval of a condition poll
  done
}
pinned() { k get service "$1" -o jsonpath='{.spec.selector.rolloutd\.io/pod-template-hash}'; }
affinity() { k get service "$1" -o jsonpath='{.spec.sessionAffinity}/{.spec.sessionAffinityConfig.clientIP.timeoutSeconds}'; }
event_seen() { k get events --field-selector "involvedObject.name=hello,reason=$1" -o name | grep -q .; }

log "v1 first: the policy names hello-canary, which does not exist yet"
service hello
service hello-stable
policy 1.0.0
services_problem() { [[ $(condition ServicesReady status) == False && $(condition ServicesReady message) == *"$1"* ]]; }
wait_until 60 "ServicesReady=False for the missing hello-canary" services_problem "Service hello-canary not found"
wait_until 120 "hello Healthy on its first revision" field_is .status.phase Healthy
v1=$(field .status.stablePodHash)
[[ -n $v1 && $(field .status.currentPodHash) == "$v1" ]] || fail "first revision not stable: '$v1'"
log "hello-canary appears: rolloutd picks it up"
service hello-canary
pinned_to() { [[ $(pinned "$1") == "$2" ]]; }
no_services_problem() { [[ -z $(condition ServicesReady status) ]]; }
wait_until 30 "hello-canary pinned to $v1" pinned_to hello-canary "$v1"
wait_until 30 "ServicesReady removed" no_services_problem
for svc in hello hello-stable hello-canary; do
  [[ $(affinity $svc) == ClientIP/600 ]] || fail "$svc affinity $(affinity $svc)"
  [[ $(k get service $svc -o jsonpath='{.metadata.annotations.rolloutd\.io/managed-by}') == hello ]] || fail "$svc not managed"
done
[[ $(pinned hello-stable) == "$v1" ]] || fail "hello-stable pinned to '$(pinned hello-stable)'"
[[ -z $(pinned hello) ]] || fail "the user's Service hello was pinned"
expect_endpoints 30 hello "$v1" 4

# The availability checker (test/tools/availability_checker) samples the ready endpoints of `hello`
# every 100 ms and records every sample below replicas - maxUnavailable (4 - 1).
dips=$work/dips
start_checker hello "$dips" --interval-ms 100 --min 3
check_no_dips() { [[ ! -s $dips ]] || fail "availability dipped: $(head -3 "$dips")"; }

log "v2, step 1 (setWeight 25) and the open pause: 3 v1 + 1 v2 behind hello"
policy 2.0.0
wait_until 60 "the policy to see v2" field_is_not .status.currentPodHash "$v1"
v2=$(field .status.currentPodHash)
wait_until 90 "paused at step index 1" at_step 1 Paused
[[ $(field .status.pauseConditions[0].reason) == CanaryPauseStep ]] || fail "pause condition $(field .status.pauseConditions)"
[[ $(condition Paused reason) == CanaryPauseStep ]] || fail "Paused condition $(condition Paused reason)"
expect_endpoints 30 hello "$v1" 3 "$v2" 1
expect_endpoints 30 hello-stable "$v1" 3
expect_endpoints 30 hello-canary "$v2" 1
[[ $(field .status.canaryWeight) == 25 ]] || fail "canaryWeight $(field .status.canaryWeight)"
[[ $(field .status.stablePodHash) == "$v1" ]] || fail "stable moved early"
sleep 2  # an open pause must hold: no step may pass in this interval
at_step 1 Paused || fail "the open pause ended without a promote"

log "promote through the open pause; step 3 (setWeight 50) then the 10s pause: 2 v1 + 2 v2"
operation Promote
wait_until 60 "at the timed pause (step index 3)" at_step 3 Paused
pause_started=$(field .status.pauseConditions[0].startTime)
[[ -z $(field .status.operation) ]] || fail "status.operation not removed: $(field .status.operation)"
expect_endpoints 8 hello "$v1" 2 "$v2" 2
expect_endpoints 8 hello-stable "$v1" 2
expect_endpoints 8 hello-canary "$v2" 2
[[ $(field .status.canaryWeight) == 50 ]] || fail "canaryWeight $(field .status.canaryWeight)"

log "the timed pause ends by itself; setWeight 100 makes v2 stable"
past_step() { current && (($(field .status.currentStepIndex) > $1)); }
wait_until 40 "the timed pause to end" past_step 3
# How long it lasted, from the controller's own records: the pause condition's start and the
# completion event (both whole seconds).
pause_end_event() {
  k get events --field-selector involvedObject.name=hello,reason=RolloutStepCompleted \
    -o jsonpath='{range .items[?(@.message=="step 4/5 (pause: 10s) completed")]}{.firstTimestamp}{end}'
}
has_pause_end_event() { [[ -n $(pause_end_event) ]]; }
wait_until 30 "the timed pause's completion event" has_pause_end_event
lasted=$(($(date -d "$(pause_end_event)" +%s) - $(date -d "$pause_started" +%s)))
log "the 10s pause lasted ${lasted}s (pause condition start to step completion event)"
((lasted >= 10)) || fail "the 10s pause ended after ${lasted}s"
wait_until 90 "hello Healthy on v2" healthy_on "$v2"
[[ $(field .status.currentStepIndex) == 5 && $(field .status.canaryWeight) == 100 ]] || fail "final step/weight"
expect_endpoints 30 hello "$v2" 4
expect_endpoints 30 hello-stable "$v2" 4
expect_endpoints 30 hello-canary "$v2" 4
# Events are recorded asynchronously (aggregated, rate-limited): wait for them to land.
for reason in RolloutStepCompleted RolloutPaused RolloutPromoted RolloutCompleted; do
  wait_until 30 "a $reason event" event_seen $reason
done
check_no_dips

log "back to v1 for the second run: its old ReplicaSet becomes the canary; promote --full"
policy 1.0.0 '{}'
wait_until 60 "the policy to see v1 again" field_is .status.currentPodHash "$v1"
wait_until 90 "v1 paused at step index 1" at_step 1 Paused
operation PromoteFull
wait_until 90 "hello Healthy on v1" healthy_on "$v1"
expect_endpoints 30 hello "$v1" 4
check_no_dips

# This run's second pause is open, so the abort at 50% cannot race the pause's end.
log "second run, v2 again: promoted to 50%, then aborted"
policy 2.0.0 '{}'
wait_until 60 "the policy to see v2 again" field_is .status.currentPodHash "$v2"
wait_until 90 "v2 paused at step index 1" at_step 1 Paused
operation Promote
wait_until 60 "v2 at 50%, paused at step index 3" at_step 3 Paused
expect_endpoints 30 hello "$v1" 2 "$v2" 2
operation Abort
aborted() { [[ $(field .status.abort) == true && $(field .status.phase) == Degraded ]]; }
wait_until 30 "aborted" aborted
[[ $(condition Progressing reason) == RolloutAborted ]] || fail "Progressing $(condition Progressing reason)"
[[ $(field .spec.template.spec.containers[0].image) == kelseyhightower/hello:2.0.0 ]] || fail "spec.template changed"
wait_until 30 "a RolloutAborted event" event_seen RolloutAborted
# The stable is back to full size first. With hello-canary named, the canary's last pod waits out
# abortScaleDownDelaySeconds (5) behind it only: hello is pinned to v1 meanwhile, so users reach v1
# alone; then the pod goes, hello-canary moves to v1 and the pin on hello is lifted.
expect_endpoints 60 hello "$v1" 4
wait_until 30 "hello-canary back on v1 after the delay" pinned_to hello-canary "$v1"
expect_endpoints 30 hello-stable "$v1" 4
expect_endpoints 30 hello-canary "$v1" 4
wait_until 30 "hello unpinned once the canary is gone" pinned_to hello ""
[[ $(field .status.canaryWeight) == 0 ]] || fail "canaryWeight $(field .status.canaryWeight) after the abort"
[[ $(field .status.phase) == Degraded && $(field .status.stablePodHash) == "$v1" ]] || fail "abort left the stable"
check_no_dips

log "retry: the steps start again from step 1"
operation Retry
wait_until 90 "retried v2 paused at step index 1" at_step 1 Paused
[[ $(field .status.abort) != true ]] || fail "abort not cleared"
expect_endpoints 30 hello "$v1" 3 "$v2" 1
expect_endpoints 30 hello-canary "$v2" 1

log "full promotion skips the remaining steps"
operation PromoteFull
wait_until 90 "hello Healthy on v2" healthy_on "$v2"
expect_endpoints 30 hello "$v2" 4
expect_endpoints 30 hello-stable "$v2" 4
stop_checker "$dips"

released() {
  [[ -z $(pinned "$1") && $(affinity "$1") == None/ &&
    -z $(k get service "$1" -o jsonpath='{.metadata.annotations.rolloutd\.io/managed-by}') ]]
}
log "the policy stops naming hello-canary: its pin and affinity are removed"
k patch rp hello --type=json -p '[{"op":"remove","path":"/spec/strategy/canary/canaryService"}]' >/dev/null
wait_until 30 "hello-canary released" released hello-canary
log "the policy stops asking for session affinity: hello's own setting is restored, the pin stays"
k patch rp hello --type=json -p '[{"op":"remove","path":"/spec/strategy/canary/sessionAffinity"}]' >/dev/null
affinity_restored() { [[ $(affinity hello) == None/ && $(affinity hello-stable) == None/ ]]; }
wait_until 30 "affinity restored on hello and hello-stable" affinity_restored
[[ $(pinned hello-stable) == "$v2" ]] || fail "hello-stable lost its pin"

log "deleting the policy gives the Services back"
k delete rp hello >/dev/null
for svc in hello hello-stable hello-canary; do wait_until 30 "$svc released" released $svc; done

log "SIGTERM: the controller exits 0"
kill -TERM "$controller_pid"
rc=0
wait "$controller_pid" || rc=$?
[[ $rc == 0 ]] || fail "rolloutd exited $rc on SIGTERM"
grep -q 'ERROR\|AddressSanitizer\|runtime error' "$controller_log" && { keep_log=1; fail "errors in the controller log"; }
log "PASS"
