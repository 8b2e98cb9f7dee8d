#!/usr/bin/env bash
# Faults and integrations around a rolling update, with the availability checker sampling the
# user's Service every 100 ms throughout (ready endpoints >= replicas - maxUnavailable):
#   - rolloutd is SIGKILLed twice mid-rollout and restarted; the rollout finishes on the same
#     ReplicaSets (none duplicated, revision 2) with the invariant intact;
#   - an HPA (autoscaling/v2) targeting the RolloutPolicy is accepted, reads the scale subresource
#     (AbleToScale=True) and enforces its minReplicas through it, also against a `kubectl scale rp`
#     below the bound (no metrics server runs here, so only the bounds can move it);
#   - an Abort operation mid-rollout returns to the stable ReplicaSet, and undo clears the abort;
#   - spec.restartAt replaces every pod through the Eviction API: a PodDisruptionBudget allowing no
#     disruption holds it back, and once relaxed the restart completes and is recorded.
# Runs in its own namespace, so it may run in parallel with the other scenarios.
scenario=rolling-faults
source "$(dirname "$0")/lib.sh"
ROLLOUTD_BIN_DIR=${ROLLOUTD_BIN_DIR:-$ROLLOUTD_SOURCE_DIR/build/controller}
new_namespace t-rolling-faults

kubectl apply --server-side --force-conflicts -f "$ROLLOUTD_SOURCE_DIR/crds/rolloutpolicies.rolloutd.io.yaml" >/dev/null
kubectl wait --for=condition=Established crd/rolloutpolicies.rolloutd.io --timeout=60s >/dev/null

work=$(mktemp -d)
controller_pid=
checker_pid=
starts=0
start_controller() {  # each run of the controller logs to a file of its own
  starts=$((starts + 1))
  controller_log=$work/rolloutd.$starts.log
  start_rolloutd "$controller_log" --namespace "$ns" --metrics-addr 127.0.0.1:0 --log-level debug
}
cleanup() {
  if [[ $? != 0 ]]; then  # what the failure left, for the log kept below
    keep_log=1
    { k get rp hello -o yaml; k get rs,pods -o wide; k get events --sort-by=.lastTimestamp; } >"$work/state.txt" 2>&1 || true
  fi
  [[ -n $checker_pid ]] && kill "$checker_pid" 2>/dev/null || true
  [[ -n $controller_pid ]] && kill "$controller_pid" 2>/dev/null || true
  wait 2>/dev/null || true
  kubectl delete namespace "$ns" --ignore-not-found --wait=false >/dev/null 2>&1 || true
  if [[ ${keep_log:-} == 1 ]]; then log "logs kept in $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT
trap 'keep_log=1; tail -40 "$controller_log" >&2' ERR

# policy IMAGE [EXTRA_SPEC]: applies the `hello` RolloutPolicy (maxSurge 1, maxUnavailable 1).
policy() {
  local image=$1 extra=${2:-}
  k apply -f - >/dev/null <<YAML
apiVersion: rolloutd.io/v1alpha1
kind: RolloutPolicy
metadata: {name: hello}
spec:
  replicas: ${replicas:-4}
  progressDeadlineSeconds: ${deadline:-600}
  selector: {matchLabels: {app: hello}}
  strategy: {rollingUpdate: {maxSurge: 1, maxUnavailable: 1}}
  template:
    metadata:
      labels: {app: hello}
      annotations: {kwok.rolloutd.io/ready-delay: "${ready_delay:-2s}"$extra}
    spec:
      containers: [{name: hello, image: "kelseyhightower/hello:$image", ports: [{name: http, containerPort: 80}]}]
YAML
}
field() { k get rp hello -o jsonpath="{$1}"; }
phase_is() { [[ $(field .status.phase) == "$1" && $(field .status.observedGeneration) == $(field .metadata.generation) ]]; }
rs_count() { k get rs -l app=hello --no-headers 2>/dev/null | grep -c . || true; }
rs_spec() { k get rs "$1" -o jsonpath='{.spec.replicas}'; }
healthy_with() {  # REPLICAS: Healthy, every count at REPLICAS, and that many Ready pods
  phase_is Healthy && [[ $(field .status.availableReplicas) == "$1" && $(field .status.updatedReplicas) == "$1" &&
    $(field .status.replicas) == "$1" && $(count_ready_pods app=hello) == "$1" ]]
}
ready_endpoints_at_least() {
  (($(k get endpointslices -l kubernetes.io/service-name=hello \
    -o jsonpath='{range .items[*].endpoints[?(@.conditions.ready==true)]}{.addresses[0]}{"\n"}{end}' |
    grep -c .) >= $1))
}

k apply -f - >/dev/null <<'YAML'
apiVersion: v1
kind: Service
metadata: {name: hello}
spec:
  selector: {app: hello}
  ports: [{name: http, port: 80, targetPort: http}]
YAML

start_controller
log "create hello v1 with 4 replicas"
policy 1.0.0
wait_until 120 "hello Healthy with 4 replicas" healthy_with 4
v1_rs=hello-$(field .status.currentPodHash)
wait_until 60 "4 ready endpoints" ready_endpoints_at_least 4
violations=$work/violations
floor=$work/floor
echo 3 >"$floor"
start_checker hello "$violations" --interval-ms 100 --min-file "$floor"

log "image 2.0.0; rolloutd is SIGKILLed mid-rollout twice and restarted"
ready_delay=5s policy 2.0.0
wait_until 60 "the v2 ReplicaSet to exist" bash -c "[[ \$(kubectl -n $ns get rs -l app=hello --no-headers | grep -c .) == 2 ]]"
v2_rs=$(k get rs -l app=hello -o jsonpath='{range .items[*]}{.metadata.name}{"\n"}{end}' | grep -v "^$v1_rs$")
# mid_rollout MAX_OLD: the new ReplicaSet runs pods and the old one is down to 1..MAX_OLD.
mid_rollout() {
  local old new
  old=$(rs_spec "$v1_rs") new=$(rs_spec "$v2_rs")
  ((new >= 1 && old >= 1 && old <= $1))
}
for max_old in 3 1; do  # right after the new ReplicaSet appears, then once old pods have gone
  wait_until 120 "a mid-rollout point with $v1_rs at 1..$max_old" mid_rollout "$max_old"
  kill -KILL "$controller_pid"
  wait "$controller_pid" 2>/dev/null || true
  log "killed at $v2_rs=$(rs_spec "$v2_rs") $v1_rs=$(rs_spec "$v1_rs"); restarting"
  start_controller
done
wait_until 180 "hello Healthy on 2.0.0 after the restarts" healthy_with 4
[[ $(rs_count) == 2 ]] || fail "expected 2 ReplicaSets after the restarts, got $(rs_count)"
[[ hello-$(field .status.currentPodHash) == "$v2_rs" ]] || fail "the rollout did not finish on $v2_rs"
[[ $(field .status.currentRevision) == 2 ]] || fail "revision $(field .status.currentRevision), expected 2"
[[ $(rs_spec "$v1_rs") == 0 ]] || fail "$v1_rs still has $(rs_spec "$v1_rs") replicas"

log "an HPA with minReplicas 5 reads the scale subresource and raises hello to 5"
k apply -f - >/dev/null <<'YAML'
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: {name: hello}
spec:
  scaleTargetRef: {apiVersion: rolloutd.io/v1alpha1, kind: RolloutPolicy, name: hello}
  minReplicas: 5
  maxReplicas: 8
  metrics:
  - type: Resource
    resource: {name: cpu, target: {type: Utilization, averageUtilization: 50}}
YAML
hpa_field() { k get hpa hello -o jsonpath="{$1}"; }
able_to_scale() { [[ $(hpa_field '.status.conditions[?(@.type=="AbleToScale")].status') == True ]]; }
wait_until 90 "HPA AbleToScale=True" able_to_scale
log "HPA AbleToScale: $(hpa_field '.status.conditions[?(@.type=="AbleToScale")].reason')"
wait_until 120 "HPA to raise spec.replicas to its minimum 5" bash -c "[[ \$(kubectl -n $ns get rp hello -o jsonpath='{.spec.replicas}') == 5 ]]"
wait_until 120 "hello Healthy with 5 replicas" healthy_with 5
wait_until 60 "HPA status to record 5 replicas" bash -c "[[ \$(kubectl -n $ns get hpa hello -o jsonpath='{.status.currentReplicas}') == 5 ]]"

log "kubectl scale rp below the HPA's minimum: the HPA brings it back to 5"
echo 2 >"$floor"  # 3 replicas - maxUnavailable while the scale-down holds
k scale rp hello --replicas=3 >/dev/null
wait_until 120 "the HPA to restore 5 replicas" bash -c "[[ \$(kubectl -n $ns get rp hello -o jsonpath='{.spec.replicas}') == 5 ]]"
wait_until 120 "hello Healthy with 5 replicas again" healthy_with 5
k get events --field-selector involvedObject.kind=HorizontalPodAutoscaler,reason=SuccessfulRescale -o name |
  grep -q . || fail "no SuccessfulRescale event from the HPA"
k delete hpa hello >/dev/null
wait_until 30 "5 ready endpoints" ready_endpoints_at_least 5
echo 4 >"$floor"

log "an Abort operation (status.operation, as kubectl rp abort writes it) mid-rollout returns to $v2_rs"
replicas=5 ready_delay=6s policy 3.0.0  # replicas as the HPA left them
wait_until 60 "the v3 ReplicaSet to exist" bash -c "[[ \$(kubectl -n $ns get rs -l app=hello --no-headers | grep -c .) == 3 ]]"
v3_rs=$(k get rs -l app=hello -o jsonpath='{range .items[*]}{.metadata.name}{"\n"}{end}' | grep -v "^$v1_rs$\|^$v2_rs$")
wait_until 60 "$v3_rs to run pods" bash -c "(( \$(kubectl -n $ns get rs $v3_rs -o jsonpath='{.spec.replicas}') >= 1 ))"
k patch rp hello --subresource=status --type merge \
  -p '{"status":{"operation":{"type":"Abort","requestedBy":"e2e","requestedAt":"'"$(date -u +%Y-%m-%dT%H:%M:%SZ)"'"}}}' >/dev/null
aborted_to_v2() {
  [[ $(field .status.abort) == true && -z $(field .status.operation) &&
    $(field '.status.conditions[?(@.type=="Progressing")].reason') == RolloutAborted &&
    $(k get rs "$v2_rs" -o jsonpath='{.spec.replicas}/{.status.availableReplicas}') == 5/5 &&
    $(k get rs "$v3_rs" -o jsonpath='{.spec.replicas}/{.status.replicas}') == 0/0 ]]
}
wait_until 120 "the abort back to $v2_rs" aborted_to_v2
[[ $(field .status.phase) == Degraded ]] || fail "phase $(field .status.phase) after the abort"
k get events --field-selector involvedObject.name=hello,reason=RolloutAborted -o name | grep -q . ||
  fail "no RolloutAborted event"
log "undo to v2's template clears the abort"
replicas=5 ready_delay=5s policy 2.0.0
wait_until 120 "hello Healthy on v2 again" healthy_with 5
[[ hello-$(field .status.currentPodHash) == "$v2_rs" && -z $(field .status.abort) ]] || fail "not back on $v2_rs"

log "spec.restartAt replaces every pod through the Eviction API; a PodDisruptionBudget holds it back"
k apply -f - >/dev/null <<'YAML'
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: {name: hello}
spec:
  minAvailable: 5
  selector: {matchLabels: {app: hello}}
YAML
pdb_settled() {
  [[ $(k get pdb hello -o jsonpath='{.status.observedGeneration}') == $(k get pdb hello -o jsonpath='{.metadata.generation}') &&
    $(k get pdb hello -o jsonpath='{.status.currentHealthy}') == 5 ]]
}
wait_until 60 "the disruption controller to process the PDB" pdb_settled
pods_before=$(k get pods -l app=hello -o jsonpath='{range .items[*]}{.metadata.name}{"\n"}{end}' | sort)
restart_at=$(date -u +%Y-%m-%dT%H:%M:%SZ)
k patch rp hello --type merge -p "{\"spec\":{\"restartAt\":\"$restart_at\"}}" >/dev/null
wait_until 60 "an eviction refused by the PDB" grep -q 'restart: eviction of pod .* refused' "$controller_log"
[[ $(k get pods -l app=hello -o jsonpath='{range .items[*]}{.metadata.name}{"\n"}{end}' | sort) == "$pods_before" ]] ||
  fail "pods were replaced although the PDB allows no disruption"
k patch pdb hello --type merge -p '{"spec":{"minAvailable":4}}' >/dev/null
restarted() { [[ $(field .status.restartedAt) == "$restart_at" ]] && healthy_with 5; }
wait_until 240 "the restart to complete" restarted
survivors=$(comm -12 <(echo "$pods_before") <(k get pods -l app=hello -o jsonpath='{range .items[*]}{.metadata.name}{"\n"}{end}' | sort))
[[ -z $survivors ]] || fail "pods created before restartAt survived: $survivors"
[[ hello-$(field .status.currentPodHash) == "$v2_rs" && $(rs_count) == 3 ]] || fail "a restart must not make a revision"
for reason in RestartingPods RestartCompleted; do
  k get events --field-selector involvedObject.name=hello,reason=$reason -o name | grep -q . || fail "no $reason event"
done
k delete pdb hello >/dev/null

stop_checker "$violations"
log "SIGTERM: the controller exits 0"
kill -TERM "$controller_pid"
rc=0
wait "$controller_pid" || rc=$?
controller_pid=
[[ $rc == 0 ]] || fail "rolloutd exited $rc on SIGTERM"
grep -q 'AddressSanitizer\|runtime error' "$work"/rolloutd.*.log && { keep_log=1; fail "sanitizer errors in a controller log"; }
log "PASS"
