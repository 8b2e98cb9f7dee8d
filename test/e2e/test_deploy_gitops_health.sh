#!/usr/bin/env bash
# What a GitOps tool reads from a RolloutPolicy, on the statuses the real controller writes:
#  - `kubectl wait --for=condition=Ready rp/hello` returns once the rollout is complete, and the
#    Ready condition and status carry the observedGeneration of the spec they describe;
#  - paused mid-update Ready is False with reason Paused, and True again once the update is done;
#  - the Argo CD health check (deploy/argocd/health.lua, run by Lua 5.1 on the live object) says
#    Healthy, Suspended (paused), Healthy again, Progressing for a spec the controller has not seen
#    yet (controller stopped), Degraded for an exceeded progress deadline and for InvalidSpec.
scenario=gitops-health
source "$(dirname "$0")/lib.sh"
ROLLOUTD_BIN_DIR=${ROLLOUTD_BIN_DIR:-$ROLLOUTD_SOURCE_DIR/build/controller}
new_namespace t-deploy-gitops-health
health_of=$ROLLOUTD_SOURCE_DIR/test/lua/health_of.sh

kubectl apply --server-side --force-conflicts -f "$ROLLOUTD_SOURCE_DIR/crds/rolloutpolicies.rolloutd.io.yaml" >/dev/null
kubectl wait --for=condition=Established crd/rolloutpolicies.rolloutd.io --timeout=60s >/dev/null

work=$(mktemp -d)
controller_pid=
start() { start_rolloutd "$work/rolloutd.log" --namespace "$ns" --metrics-addr 127.0.0.1:0; }
stop() {
  [[ -n $controller_pid ]] || return 0
  kill -TERM "$controller_pid" 2>/dev/null || true
  wait "$controller_pid" 2>/dev/null || true
  controller_pid=
}
cleanup() {
  stop
  kubectl delete namespace "$ns" --ignore-not-found --wait=false >/dev/null 2>&1 || true
  if [[ ${keep_log:-} == 1 ]]; then log "controller log kept at $work/rolloutd.log"; else rm -rf "$work"; fi
}
trap cleanup EXIT
trap 'keep_log=1' ERR
start

policy() {  # IMAGE [PAUSED] [EXTRA_ANNOTATION] [DEADLINE]
  k apply -f - >/dev/null <<YAML
apiVersion: rolloutd.io/v1alpha1
kind: RolloutPolicy
metadata: {name: hello}
spec:
  replicas: 2
  paused: ${2:-false}
  progressDeadlineSeconds: ${4:-600}
  selector: {matchLabels: {app: hello}}
  strategy: {rollingUpdate: {maxSurge: 1, maxUnavailable: 0}}
  template:
    metadata:
      labels: {app: hello}
      annotations: {kwok.rolloutd.io/ready-delay: "1s"${3:-}}
    spec:
      containers: [{name: hello, image: "kelseyhightower/hello:$1"}]
YAML
}
field() { k get rp "${2:-hello}" -o jsonpath="{$1}"; }
ready() { field '.status.conditions[?(@.type=="Ready")].'"$1" "${2:-hello}"; }
current() { [[ $(field .status.observedGeneration) == $(field .metadata.generation) ]]; }
argo() { k get rp "${1:-hello}" -o json | "$health_of"; }
argo_is() {  # STATUS [NAME]: the Argo CD health of the live object
  [[ $(argo "${2:-hello}" | cut -f1) == "$1" ]]
}

log "create: kubectl wait --for=condition=Ready returns when the rollout is complete"
policy 1.0.0
k wait --for=condition=Ready rp/hello --timeout=90s >/dev/null || fail "Ready never True"
current || fail "Ready True for a generation the controller has not observed"
[[ $(field .status.phase) == Healthy && $(field .status.availableReplicas) == 2 ]] ||
  fail "Ready True while $(field .status.phase) with $(field .status.availableReplicas) available"
[[ $(ready observedGeneration) == $(field .metadata.generation) ]] || fail "Ready has observedGeneration $(ready observedGeneration)"
[[ $(ready reason) == Healthy ]] || fail "Ready reason $(ready reason)"
argo_is Healthy || fail "Argo CD health: $(argo)"

log "paused mid-update: Ready False/Paused, Argo CD Suspended"
policy 2.0.0 true
wait_until 60 "phase Paused at the new generation" bash -c "[[ \$(kubectl -n $ns get rp hello -o jsonpath='{.status.phase}/{.status.observedGeneration}') == Paused/\$(kubectl -n $ns get rp hello -o jsonpath='{.metadata.generation}') ]]"
[[ $(ready status) == False && $(ready reason) == Paused ]] || fail "Ready $(ready status)/$(ready reason) while paused"
argo_is Suspended || fail "Argo CD health while paused: $(argo)"

log "resumed: the update completes and Ready is True again"
policy 2.0.0 false
wait_until 30 "the resumed generation observed" current
wait_until 90 "Argo CD Healthy after the update" argo_is Healthy
k wait --for=condition=Ready rp/hello --timeout=30s >/dev/null || fail "Ready not True after the update"
[[ $(field .status.currentRevision) == 2 ]] || fail "revision $(field .status.currentRevision)"

log "a spec the controller has not observed: Argo CD Progressing, whatever the old status says"
stop
policy 3.0.0
current && fail "observedGeneration caught up with no controller running"
argo_is Progressing || fail "Argo CD health of an unobserved spec: $(argo)"
[[ $(argo | cut -f2) == *"observe generation"* ]] || fail "message: $(argo)"
start

log "a release that never becomes Ready: Degraded after the progress deadline"
policy 3.0.0 false ', kwok.rolloutd.io/never-ready: "true"' 8
wait_until 60 "Progressing=False/ProgressDeadlineExceeded" bash -c \
  "[[ \$(kubectl -n $ns get rp hello -o jsonpath='{.status.conditions[?(@.type==\"Progressing\")].reason}') == ProgressDeadlineExceeded ]]"
argo_is Degraded || fail "Argo CD health after the deadline: $(argo)"
[[ $(ready status) == False ]] || fail "Ready $(ready status) after the deadline"

log "InvalidSpec: Degraded"
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
k wait --for=condition=InvalidSpec rp/broken --timeout=30s >/dev/null || fail "no InvalidSpec"
argo_is Degraded broken || fail "Argo CD health of an invalid spec: $(argo broken)"
[[ $(argo broken | cut -f2) == InvalidSpec:* ]] || fail "message: $(argo broken)"
log "PASS"
