#!/usr/bin/env bash
# Pod templates shaped like the popular charts' (test/e2e/templates/), each applied as a
# RolloutPolicy on the real API server, which fills in defaults and drops fields it does not know
# on the ReplicaSet's copy of the template. Each must give exactly one ReplicaSet and Healthy, and
# no second ReplicaSet while the controller keeps looking (a template the controller could not
# recognise on its own ReplicaSet used to make a new one every sync); the probe-without-path
# template does the same under the canary and blue/green strategies. A misspelt field is answered
# with InvalidSpec carrying the server's message and no ReplicaSet, and a template the server
# accepts with a warning gives a Warning event.
scenario=real-templates
source "$(dirname "$0")/lib.sh"
ROLLOUTD_BIN_DIR=${ROLLOUTD_BIN_DIR:-$ROLLOUTD_SOURCE_DIR/build/controller}
new_namespace t-real-templates
templates=$ROLLOUTD_SOURCE_DIR/test/e2e/templates

kubectl apply --server-side --force-conflicts -f "$ROLLOUTD_SOURCE_DIR/crds/rolloutpolicies.rolloutd.io.yaml" >/dev/null
kubectl wait --for=condition=Established crd/rolloutpolicies.rolloutd.io --timeout=60s >/dev/null

work=$(mktemp -d)
controller_log=$work/rolloutd.log
start_rolloutd "$controller_log" --namespace "$ns" --metrics-addr 127.0.0.1:0 --log-level debug
cleanup() {
  [[ $? == 0 ]] || keep_log=1
  kill "$controller_pid" 2>/dev/null || true
  wait "$controller_pid" 2>/dev/null || true
  kubectl delete namespace "$ns" --ignore-not-found --wait=false >/dev/null 2>&1 || true
  if [[ ${keep_log:-} == 1 ]]; then log "controller log kept at $controller_log"; else rm -rf "$work"; fi
}
trap cleanup EXIT
trap 'keep_log=1; tail -40 "$controller_log" >&2' ERR

# policy NAME TEMPLATE_FILE STRATEGY_YAML: applies a policy selecting app=NAME with the template
# indented under spec.template.
policy() {
  local name=$1 file=$2 strategy=$3
  {
    cat <<YAML
apiVersion: rolloutd.io/v1alpha1
kind: RolloutPolicy
metadata: {name: $name}
spec:
  replicas: 2
  selector: {matchLabels: {app: $name}}
  strategy: $strategy
  template:
YAML
    grep -v '^#' "$file" | sed "s/CHANGEME/$name/; s/^/    /"
  } | k apply -f - >/dev/null
}
field() { k get rp "$1" -o jsonpath="{$2}"; }
rs_names() { k get rs -l "app=$1" -o jsonpath='{range .items[*]}{.metadata.name}{"\n"}{end}'; }
rs_count() { rs_names "$1" | grep -c . || true; }
healthy() {
  [[ $(field "$1" .status.phase) == Healthy && $(field "$1" .status.availableReplicas) == 2 &&
    $(field "$1" .status.observedGeneration) == $(field "$1" .metadata.generation) ]]
}
invalid_spec() { [[ $(field "$1" '.status.conditions[?(@.type=="InvalidSpec")].status') == True ]]; }

rolling='{rollingUpdate: {maxSurge: 1, maxUnavailable: 0}}'
expect_healthy=()
for file in "$templates"/*.yaml; do
  name=$(basename "$file" .yaml)
  policy "$name" "$file" "$rolling"
  [[ $name == typo-* ]] || expect_healthy+=("$name")
done
k create service clusterip hello-bg-active --tcp=80:80 >/dev/null
k patch service hello-bg-active --type merge -p '{"spec":{"selector":{"app":"probe-bg"}}}' >/dev/null
policy probe-canary "$templates/probe-without-path.yaml" '{canary: {maxSurge: 1, maxUnavailable: 0, steps: [{setWeight: 50}]}}'
policy probe-bg "$templates/probe-without-path.yaml" '{blueGreen: {activeService: hello-bg-active, scaleDownDelaySeconds: 0}}'
expect_healthy+=(probe-canary probe-bg)

for name in "${expect_healthy[@]}"; do
  wait_until 120 "$name Healthy with 2 available" healthy "$name"
  log "$name: Healthy, ReplicaSets: $(rs_names "$name" | tr '\n' ' ')"
done

log "a misspelt field: InvalidSpec with the server's message, no ReplicaSet"
wait_until 60 "typo-readiness-probe InvalidSpec" invalid_spec typo-readiness-probe
message=$(field typo-readiness-probe '.status.conditions[?(@.type=="InvalidSpec")].message')
[[ $message == *readinessprobe* ]] || fail "InvalidSpec does not name the field: $message"
log "InvalidSpec: $message"

log "the server's warning reaches the policy as a Warning event"
warned() { k get events --field-selector involvedObject.name=warned-by-the-server,reason=APIWarning -o jsonpath='{.items[*].message}' | grep -q seccomp; }
wait_until 30 "an APIWarning event about the seccomp annotation" warned

# A controller that does not recognise its own ReplicaSet makes another one on every sync; each
# ReplicaSet update (pods becoming Ready, the status) brings a sync, so 20 s without a second one
# across all policies is many syncs.
log "watching for 20 s: no policy gets a second ReplicaSet, no collisionCount"
deadline=$((SECONDS + 20))
while ((SECONDS < deadline)); do
  for name in "${expect_healthy[@]}"; do
    n=$(rs_count "$name")
    [[ $n == 1 ]] || fail "$name has $n ReplicaSets: $(rs_names "$name" | tr '\n' ' ') (collisionCount $(field "$name" .status.collisionCount))"
  done
  [[ $(rs_count typo-readiness-probe) == 0 ]] || fail "the misspelt template got a ReplicaSet"
  sleep 1  # sampling interval of an invariant watched for a fixed window
done
for name in "${expect_healthy[@]}"; do
  [[ -z $(field "$name" .status.collisionCount) ]] || fail "$name: collisionCount $(field "$name" .status.collisionCount)"
done
log "PASS"
