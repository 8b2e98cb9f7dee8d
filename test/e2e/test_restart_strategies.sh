#!/usr/bin/env bash
# What every strategy does alike (issue 14), on the local control plane:
# - ReplicaFailure: in a namespace whose ResourceQuota allows one pod, a policy of three shows
#   ReplicaFailure=True/FailedCreate "exceeded quota" within seconds (not a progress deadline ten
#   minutes later), `kubectl rp status` says so, and the condition goes once the quota is gone and
#   the pods exist.
# - `kubectl rp restart` on a settled canary and a settled blue/green policy replaces every pod: none
#   created before spec.restartAt survives and status.restartedAt records it, while the availability
#   checker watches each policy's Service (canary: replicas - maxUnavailable ready endpoints;
#   blue/green: one pod at a time, so replicas - 1).
scenario=restart-strategies
source "$(dirname "$0")/lib.sh"
ROLLOUTD_BIN_DIR=${ROLLOUTD_BIN_DIR:-$ROLLOUTD_SOURCE_DIR/build/controller}
new_namespace t-restart-strategies

kubectl apply --server-side --force-conflicts -f "$ROLLOUTD_SOURCE_DIR/crds/rolloutpolicies.rolloutd.io.yaml" >/dev/null
kubectl wait --for=condition=Established crd/rolloutpolicies.rolloutd.io --timeout=60s >/dev/null

work=$(mktemp -d)
controller_log=$work/rolloutd.log
start_rolloutd "$controller_log" --namespace "$ns" --metrics-addr 127.0.0.1:0 --log-level debug
checker_pid=
checker_pids=()
cleanup() {
  for pid in "${checker_pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  kill "$controller_pid" 2>/dev/null || true
  wait "$controller_pid" 2>/dev/null || true
  kubectl delete namespace "$ns" --ignore-not-found --wait=false >/dev/null 2>&1 || true
  if [[ ${keep_log:-} == 1 ]]; then log "controller log kept at $controller_log"; else rm -rf "$work"; fi
}
trap cleanup EXIT
trap 'keep_log=1; tail -40 "$controller_log" >&2' ERR

rp() { "$ROLLOUTD_BIN_DIR/kubectl-rp" --kubeconfig "$KUBECONFIG" -n "$ns" "$@"; }
field() { k get rp "$1" -o jsonpath="{$2}"; }
healthy() {  # NAME REPLICAS
  [[ $(field "$1" .status.phase) == Healthy && $(field "$1" .status.observedGeneration) == $(field "$1" .metadata.generation) &&
    $(field "$1" .status.availableReplicas) == "$2" ]]
}
# policy NAME REPLICAS STRATEGY-YAML: a policy and a Service of the same name selecting its pods.
policy() {
  k apply -f - >/dev/null <<YAML
apiVersion: v1
kind: Service
metadata: {name: $1}
spec:
  selector: {app: $1}
  ports: [{port: 80, targetPort: 8080}]
---
apiVersion: rolloutd.io/v1alpha1
kind: RolloutPolicy
metadata: {name: $1}
spec:
  replicas: $2
  selector: {matchLabels: {app: $1}}
  template:
    metadata: {labels: {app: $1}}
    spec: {containers: [{name: hello, image: "kelseyhightower/hello:1.0.0"}]}
  strategy:
$3
YAML
}
condition() {  # NAME TYPE: "status reason message" of that condition, empty when absent
  k get rp "$1" -o json | jq -r --arg t "$2" '.status.conditions[]? | select(.type == $t) | "\(.status) \(.reason) \(.message)"'
}

log "ReplicaFailure: a ResourceQuota of one pod and a policy of three"
k create quota pods --hard=pods=1 >/dev/null
# The local control plane runs no resourcequota controller, and the quota admission plugin enforces
# nothing until a quota's status is known: write the status that controller would (nothing used
# yet); admission then counts each pod it admits in status.used itself.
k patch quota pods --subresource=status --type=merge \
  -p '{"status":{"hard":{"pods":"1"},"used":{"pods":"0"}}}' >/dev/null
policy quota 3 "    rollingUpdate: {}"
started=$SECONDS
quota_failure() { [[ $(condition quota ReplicaFailure) == "True FailedCreate "*"exceeded quota"* ]]; }
wait_until 30 "ReplicaFailure=True FailedCreate exceeded quota" quota_failure
log "ReplicaFailure after $((SECONDS - started))s: $(condition quota ReplicaFailure)"
rp status quota --watch=false | grep -q 'exceeded quota' || fail "kubectl rp status does not say why: $(rp status quota --watch=false)"
k delete quota pods >/dev/null
no_failure() { [[ -z $(condition quota ReplicaFailure) ]] && healthy quota 3; }
wait_until 120 "ReplicaFailure removed once the pods exist" no_failure
k delete rp quota --wait=true >/dev/null

log "a settled canary and a settled blue/green policy, each with a checker on its Service"
policy cn 3 "    canary: {service: cn, maxUnavailable: 1, steps: [{setWeight: 50}]}"
policy bg 3 "    blueGreen: {activeService: bg, autoPromotionEnabled: false}"
wait_until 90 "cn Healthy" healthy cn 3
wait_until 90 "bg Healthy" healthy bg 3
start_checker cn "$work/cn.violations" --interval-ms 100 --min 2
checker_pids+=("$checker_pid")
cn_checker=$checker_pid
start_checker bg "$work/bg.violations" --interval-ms 100 --min 2
checker_pids+=("$checker_pid")
bg_checker=$checker_pid

pods_of() { k get pods -l "app=$1" -o jsonpath='{range .items[*]}{.metadata.name}{"\n"}{end}' | sort; }
newest_pod_second() {
  k get pods -l 'app in (cn,bg)' -o json | jq -r '[.items[].metadata.creationTimestamp | fromdateiso8601] | max'
}
# restartAt is whole seconds: restart once the clock has left the second the last pod was made in.
past_pods() { (($(date -u +%s) > $(newest_pod_second))); }
wait_until 5 "a second past the pods' creation" past_pods
before_cn=$(pods_of cn)
before_bg=$(pods_of bg)

rp restart cn | grep -q 'rolloutpolicy.rolloutd.io/cn restarted' || fail "kubectl rp restart cn"
rp restart bg | grep -q 'rolloutpolicy.rolloutd.io/bg restarted' || fail "kubectl rp restart bg"
restarted() {  # NAME
  [[ -n $(field "$1" .spec.restartAt) && $(field "$1" .status.restartedAt) == "$(field "$1" .spec.restartAt)" ]] &&
    healthy "$1" 3
}
wait_until 120 "cn restarted (status.restartedAt)" restarted cn
wait_until 120 "bg restarted (status.restartedAt)" restarted bg
[[ -z $(comm -12 <(echo "$before_cn") <(pods_of cn)) ]] || fail "canary pods created before restartAt survived"
[[ -z $(comm -12 <(echo "$before_bg") <(pods_of bg)) ]] || fail "blue/green pods created before restartAt survived"
[[ $(pods_of cn | grep -c .) == 3 && $(pods_of bg | grep -c .) == 3 ]] || fail "not 3 pods each after the restart"
[[ $(field bg .status.activeSelector) == "$(field bg .status.stablePodHash)" ]] || fail "bg's active Service moved"
log "events: $(k get events --field-selector reason=RestartCompleted -o jsonpath='{range .items[*]}{.involvedObject.name} {end}')"

checker_pid=$cn_checker
stop_checker "$work/cn.violations"
checker_pid=$bg_checker
stop_checker "$work/bg.violations"
log "PASS"
