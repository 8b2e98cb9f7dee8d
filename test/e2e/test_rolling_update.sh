#!/usr/bin/env bash
# The rolloutd binary drives a RolloutPolicy through a rolling update against the local control
# plane, as a user would see it with kubectl: create (3 Ready pods, Healthy, Available), scale via
# the scale subresource, an image change (new ReplicaSet grows, old shrinks, revision 2), pause in
# mid-flight (counts frozen) and resume, undo by re-applying v1 (the old ReplicaSet is reused under
# the same name as revision 3), a release that never becomes Ready (ProgressDeadlineExceeded; with
# progressDeadlineAbort back to v1, then Retry and abort again, then a new template clears it), and
# a spec admission accepts but validate() refuses (InvalidSpec) while another policy keeps rolling.
# Throughout the rolling steps the availability checker samples the Service's ready endpoints every
# 100 ms and fails the test if they ever drop below replicas - maxUnavailable.
scenario=rolling-update
source "$(dirname "$0")/lib.sh"
ROLLOUTD_BIN_DIR=${ROLLOUTD_BIN_DIR:-$ROLLOUTD_SOURCE_DIR/build/controller}
new_namespace t-reconciler-rolling

kubectl apply --server-side --force-conflicts -f "$ROLLOUTD_SOURCE_DIR/crds/rolloutpolicies.rolloutd.io.yaml" >/dev/null
kubectl wait --for=condition=Established crd/rolloutpolicies.rolloutd.io --timeout=60s >/dev/null

work=$(mktemp -d)
controller_log=$work/rolloutd.log
start_rolloutd "$controller_log" --namespace "$ns" --metrics-addr 127.0.0.1:0 --log-level debug
checker_pid=
cleanup() {
  [[ $? == 0 ]] || keep_log=1
  [[ -n $checker_pid ]] && kill "$checker_pid" 2>/dev/null || true
  kill "$controller_pid" 2>/dev/null || true
  wait "$controller_pid" 2>/dev/null || true
  kubectl delete namespace "$ns" --ignore-not-found --wait=false >/dev/null 2>&1 || true
  if [[ ${keep_log:-} == 1 ]]; then log "controller log kept at $controller_log"; else rm -rf "$work"; fi
}
trap cleanup EXIT
trap 'keep_log=1; tail -40 "$controller_log" >&2' ERR

# policy IMAGE [PAUSED] [EXTRA_ANNOTATIONS] [DEADLINE]: applies the `hello` RolloutPolicy.
policy() {
  local image=$1 paused=${2:-false} annotations=${3:-} deadline=${4:-600}
  k apply -f - >/dev/null <<YAML
apiVersion: rolloutd.io/v1alpha1
kind: RolloutPolicy
metadata: {name: hello}
spec:
  replicas: ${replicas:-3}
  paused: $paused
  progressDeadlineSeconds: $deadline
  selector: {matchLabels: {app: hello}}
  strategy: {rollingUpdate: {maxSurge: 1, maxUnavailable: 1}}
  template:
    metadata:
      labels: {app: hello}
      annotations: {kwok.rolloutd.io/ready-delay: "2s"$annotations}
    spec:
      containers: [{name: hello, image: "kelseyhightower/hello:$image", ports: [{name: http, containerPort: 80}]}]
YAML
}
field() { k get rp hello -o jsonpath="{$1}"; }
phase_is() { [[ $(field .status.phase) == "$1" && $(field .status.observedGeneration) == $(field .metadata.generation) ]]; }
# kstatus (Flux, kpt) reads Reconciling and Stalled: "absent" or STATUS/REASON.
kstatus() {
  local c
  c=$(k get rp hello -o jsonpath="{.status.conditions[?(@.type==\"$1\")].status}/{.status.conditions[?(@.type==\"$1\")].reason}")
  if [[ $c == / ]]; then echo absent; else echo "$c"; fi
}
rs_count() { k get rs -l app=hello --no-headers 2>/dev/null | grep -c . || true; }
healthy_with() {  # REPLICAS: Healthy, every count at REPLICAS, and that many Ready pods
  phase_is Healthy && [[ $(field .status.availableReplicas) == "$1" && $(field .status.updatedReplicas) == "$1" &&
    $(field .status.replicas) == "$1" && $(count_ready_pods app=hello) == "$1" ]]
}

k apply -f - >/dev/null <<'YAML'
apiVersion: v1
kind: Service
metadata: {name: hello}
spec:
  selector: {app: hello}
  ports: [{name: http, port: 80, targetPort: http}]
YAML

log "create: 3 replicas become 3 Ready pods, Healthy and Available"
replicas=3 policy 1.0.0
wait_until 120 "hello Healthy with 3 replicas" healthy_with 3
k wait --for=condition=Available rp/hello --timeout=30s >/dev/null || fail "Available condition"
[[ $(field .status.currentRevision) == 1 ]] || fail "revision $(field .status.currentRevision), expected 1"
[[ $(field .status.selector) == app=hello ]] || fail "status.selector $(field .status.selector)"
v1_rs=$(k get rs -l app=hello -o jsonpath='{.items[0].metadata.name}')
[[ $v1_rs == hello-$(field .status.currentPodHash) ]] || fail "ReplicaSet $v1_rs is not named after the hash"

# The availability checker (test/tools/availability_checker) samples the Service's ready endpoints
# every 100 ms and records a dip below the floor, replicas - maxUnavailable (maxUnavailable is 1
# in this policy). The floor is a file the scenario sets for each phase, since during a scale-up
# the pods being added are not yet owed (a floor of the new size - 1 would be wrong until they are
# Ready).
dips=$work/dips
floor=$work/floor
echo 2 >"$floor"
wait_until 60 "EndpointSlice of hello to list 3 ready endpoints" bash -c "[[ \$(kubectl -n $ns get endpointslices -l kubernetes.io/service-name=hello -o jsonpath='{range .items[*].endpoints[?(@.conditions.ready==true)]}{.addresses[0]}{\"\\n\"}{end}' | grep -c .) -ge 3 ]]"
start_checker hello "$dips" --interval-ms 100 --min-file "$floor"

log "scale through the scale subresource: 5, then 3"
k scale rp hello --replicas=5 >/dev/null
wait_until 120 "hello Healthy with 5 replicas" healthy_with 5
echo 4 >"$floor"
wait_until 30 "EndpointSlice of hello to list 5 ready endpoints" bash -c "(( \$(kubectl -n $ns get endpointslices -l kubernetes.io/service-name=hello -o jsonpath='{range .items[*].endpoints[?(@.conditions.ready==true)]}{.addresses[0]}{\"\\n\"}{end}' | grep -c .) >= 5 ))"
echo 2 >"$floor"  # scaling down to 3 may leave 3 - 1
k scale rp hello --replicas=3 >/dev/null
wait_until 120 "hello Healthy with 3 replicas" healthy_with 3
[[ $(rs_count) == 1 ]] || fail "scaling created ReplicaSets: $(rs_count)"
[[ $(kstatus Reconciling) == absent && $(kstatus Stalled) == absent ]] ||
  fail "a finished rollout says Reconciling $(kstatus Reconciling), Stalled $(kstatus Stalled)"

log "image 2.0.0, paused right away: counts stay frozen while paused"
replicas=3 policy 2.0.0
k patch rp hello --type merge -p '{"spec":{"paused":true}}' >/dev/null
wait_until 60 "phase Paused" phase_is Paused
k wait --for=condition=Paused rp/hello --timeout=30s >/dev/null || fail "Paused condition"
snapshot() { k get rs -l app=hello -o jsonpath='{range .items[*]}{.metadata.name}={.spec.replicas} {end}'; }
frozen=$(snapshot)
# Let the pods started before the pause settle, then check nothing moved (two reads 3s apart would
# show any step the controller took; a paused controller takes none).
wait_until 30 "ReplicaSets to settle" bash -c "[[ \$(kubectl -n $ns get rs -l app=hello -o jsonpath='{range .items[*]}{.status.replicas}={.spec.replicas} {end}' | tr ' ' '\n' | awk -F= 'NF==2 && \$1!=\$2' | wc -l) == 0 ]]"
frozen=$(snapshot)
log "paused at: $frozen"
paused_gen=$(field .status.observedGeneration)
sleep 3  # the interval over which the paused controller must not act
[[ $(snapshot) == "$frozen" ]] || fail "ReplicaSets changed while paused: $frozen -> $(snapshot)"
[[ $(field .status.phase) == Paused && $(field .status.observedGeneration) == "$paused_gen" ]] || fail "phase left Paused"
[[ $(kstatus Reconciling) == True/RolloutPaused ]] || fail "paused mid-rollout, Reconciling is $(kstatus Reconciling)"
log "resume: the rollout completes with 2 ReplicaSets at revision 2"
k patch rp hello --type merge -p '{"spec":{"paused":false}}' >/dev/null
wait_until 180 "hello Healthy on 2.0.0" healthy_with 3
[[ $(field .status.currentRevision) == 2 ]] || fail "revision $(field .status.currentRevision), expected 2"
[[ $(rs_count) == 2 ]] || fail "expected 2 ReplicaSets, got $(rs_count)"
images=$(k get pods -l app=hello -o jsonpath='{range .items[*]}{.spec.containers[0].image}{"\n"}{end}' | sort -u)
[[ $images == kelseyhightower/hello:2.0.0 ]] || fail "pods run $images"
k get events --field-selector involvedObject.name=hello,reason=RolloutPaused -o name | grep -q . || fail "no RolloutPaused event"
k get events --field-selector involvedObject.name=hello,reason=RolloutResumed -o name | grep -q . || fail "no RolloutResumed event"

log "undo: applying v1 again reuses $v1_rs as revision 3"
replicas=3 policy 1.0.0
wait_until 180 "hello Healthy on 1.0.0" healthy_with 3
[[ $(field .status.currentRevision) == 3 ]] || fail "revision $(field .status.currentRevision), expected 3"
[[ hello-$(field .status.currentPodHash) == "$v1_rs" ]] || fail "undo did not reuse $v1_rs"
[[ $(rs_count) == 2 ]] || fail "expected 2 ReplicaSets after undo, got $(rs_count)"
stop_checker "$dips"

log "InvalidSpec for a template admission accepts, while another policy keeps rolling"
k apply -f - >/dev/null <<'YAML'
apiVersion: rolloutd.io/v1alpha1
kind: RolloutPolicy
metadata: {name: broken}
spec:
  replicas: 1
  selector: {matchLabels: {app: broken}}
  template:
    metadata: {labels: {app: broken}}
    spec:
      initContainers: [{name: hello, image: "kelseyhightower/hello:1.0.0"}]
      containers: [{name: hello, image: "kelseyhightower/hello:1.0.0"}]
YAML
k wait --for=condition=InvalidSpec rp/broken --timeout=30s >/dev/null || fail "no InvalidSpec on broken"
[[ $(k get rp broken -o jsonpath='{.status.phase}') == Degraded ]] || fail "broken is not Degraded"
[[ $(k get rp broken -o jsonpath='{.status.conditions[?(@.type=="Stalled")].status}') == True ]] || fail "broken is not Stalled"
[[ -z $(k get rs -l app=broken -o name) ]] || fail "a ReplicaSet was created for an invalid policy"
k get events --field-selector involvedObject.name=broken,reason=InvalidSpec -o name | grep -q . || fail "no InvalidSpec event"
k scale rp hello --replicas=4 >/dev/null
wait_until 120 "hello Healthy with 4 replicas next to the invalid policy" healthy_with 4

log "a release that never becomes Ready ends ProgressDeadlineExceeded"
start_checker hello "$dips" --interval-ms 100 --min 3
replicas=4 policy 2.0.0 false ', kwok.rolloutd.io/never-ready: "true"' 10
deadline_exceeded() {
  [[ $(field '.status.conditions[?(@.type=="Progressing")].status') == False &&
    $(field '.status.conditions[?(@.type=="Progressing")].reason') == ProgressDeadlineExceeded ]]
}
wait_until 60 "Progressing=False/ProgressDeadlineExceeded" deadline_exceeded
[[ $(field .status.phase) == Degraded ]] || fail "phase $(field .status.phase), expected Degraded"
[[ $(kstatus Stalled) == True/ProgressDeadlineExceeded && $(kstatus Reconciling) == absent ]] ||
  fail "past the deadline: Stalled $(kstatus Stalled), Reconciling $(kstatus Reconciling)"
(($(field .status.availableReplicas) >= 3)) || fail "availability fell below 3 during the stuck release"
stuck_rs=hello-$(field .status.currentPodHash)

log "progressDeadlineAbort: the stuck release returns to v1 ($v1_rs); spec.template stays"
k patch rp hello --type merge -p '{"spec":{"progressDeadlineAbort":true}}' >/dev/null
aborted_to_v1() {
  [[ $(field .status.abort) == true && $(field .status.phase) == Degraded &&
    $(field '.status.conditions[?(@.type=="Progressing")].reason') == RolloutAborted &&
    $(field .status.message) == "rollout aborted: rolled back to $v1_rs" &&
    $(k get rs "$v1_rs" -o jsonpath='{.spec.replicas}/{.status.availableReplicas}') == 4/4 &&
    $(k get rs "$stuck_rs" -o jsonpath='{.spec.replicas}/{.status.replicas}') == 0/0 ]]
}
wait_until 120 "an abort back to $v1_rs" aborted_to_v1
[[ $(k get rp hello -o jsonpath='{.spec.template.spec.containers[0].image}') == kelseyhightower/hello:2.0.0 ]] ||
  fail "the abort changed spec.template"
[[ $(field .status.currentPodHash) == "${stuck_rs#hello-}" ]] || fail "currentPodHash moved off the template"
k get events --field-selector involvedObject.name=hello,reason=RolloutAborted -o name | grep -q . ||
  fail "no RolloutAborted event"

log "Retry (status.operation): the release is tried again, and aborted again when it stalls"
k patch rp hello --subresource=status --type merge \
  -p '{"status":{"operation":{"type":"Retry","requestedBy":"e2e","requestedAt":"'"$(date -u +%Y-%m-%dT%H:%M:%SZ)"'"}}}' >/dev/null
wait_until 60 "the retry to scale $stuck_rs up again" bash -c \
  "(( \$(kubectl -n $ns get rs $stuck_rs -o jsonpath='{.spec.replicas}') > 0 ))"
wait_until 30 "the handled Retry to leave status.operation" bash -c \
  "[[ -z \$(kubectl -n $ns get rp hello -o jsonpath='{.status.operation}') ]]"
k get events --field-selector involvedObject.name=hello,reason=RolloutRetried -o name | grep -q . ||
  fail "no RolloutRetried event"
wait_until 120 "the second abort back to $v1_rs" aborted_to_v1

log "a new template (v1 again) clears the abort"
replicas=4 policy 1.0.0
wait_until 120 "hello Healthy on 1.0.0 after the abort" healthy_with 4
[[ -z $(field .status.abort) || $(field .status.abort) == false ]] || fail "abort not cleared by a new template"
[[ hello-$(field .status.currentPodHash) == "$v1_rs" ]] || fail "not back on $v1_rs"
stop_checker "$dips"
# The event recorder writes events asynchronously, after the status patch: wait for it.
deadline_event() { k get events --field-selector involvedObject.name=hello,reason=ProgressDeadlineExceeded -o name | grep -q .; }
wait_until 30 "a ProgressDeadlineExceeded event" deadline_event

log "SIGTERM: the controller exits 0"
kill -TERM "$controller_pid"
rc=0
wait "$controller_pid" || rc=$?
[[ $rc == 0 ]] || fail "rolloutd exited $rc on SIGTERM"
grep -q 'ERROR\|AddressSanitizer\|runtime error' "$controller_log" && { keep_log=1; fail "errors in the controller log"; }
log "PASS"
