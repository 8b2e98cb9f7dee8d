#!/usr/bin/env bash
# The blue/green manual gate on the local control plane (issue 14, defects 2 and 3).
#
# 1. A promotion survives `kubectl scale` before the switch: replicas 3, previewReplicaCount 1,
#    manual promotion; promote; while green's two new pods are Ready but not yet available
#    (minReadySeconds holds them: kwok makes pods Ready within ~1 s, and the ready-delay annotation
#    cannot be relied on), `kubectl scale rp hello --replicas=5`. Green must grow to 5 (not go back
#    to its preview size) and the active Service switch to it with no second promote; the
#    availability checker watches the active Service throughout.
# 2. An outage of blue does not ship an unpromoted green: v3 waits for promotion at full size; every
#    pod of the active revision is deleted (their replacements are Ready at once but not available
#    for minReadySeconds, so the active revision has no available pod for that long). The active
#    Service must stay where it is, with Available=False/ActiveRevisionUnavailable and a Warning
#    event; when the pods are back the release still waits for its promote. (The checker is not
#    running here: the outage is deliberate.)
scenario=blue-green-gates
source "$(dirname "$0")/lib.sh"
ROLLOUTD_BIN_DIR=${ROLLOUTD_BIN_DIR:-$ROLLOUTD_SOURCE_DIR/build/controller}
new_namespace t-blue-green-gates

kubectl apply --server-side --force-conflicts -f "$ROLLOUTD_SOURCE_DIR/crds/rolloutpolicies.rolloutd.io.yaml" >/dev/null
kubectl wait --for=condition=Established crd/rolloutpolicies.rolloutd.io --timeout=60s >/dev/null

work=$(mktemp -d)
controller_log=$work/rolloutd.log
start_rolloutd "$controller_log" --namespace "$ns" --metrics-addr 127.0.0.1:0 --log-level debug
checker_pid=
cleanup() {
  [[ -n $checker_pid ]] && kill "$checker_pid" 2>/dev/null || true
  kill "$controller_pid" 2>/dev/null || true
  wait "$controller_pid" 2>/dev/null || true
  kubectl delete namespace "$ns" --ignore-not-found --wait=false >/dev/null 2>&1 || true
  if [[ ${keep_log:-} == 1 ]]; then log "controller log kept at $controller_log"; else rm -rf "$work"; fi
}
trap cleanup EXIT
trap 'keep_log=1; tail -40 "$controller_log" >&2' ERR

min_ready=8
# policy IMAGE [PREVIEW_REPLICA_COUNT]: the policy at 3 replicas (a later `kubectl scale` is kept:
# replicas is left out of the apply once set), promotion manual.
policy() {
  local image=$1 preview=${2:-} extra=""
  [[ -n $preview ]] && extra="previewReplicaCount: $preview"
  k apply --server-side --field-manager=e2e --force-conflicts -f - >/dev/null <<YAML
apiVersion: rolloutd.io/v1alpha1
kind: RolloutPolicy
metadata: {name: hello}
spec:
  ${replicas_line:-replicas: 3}
  minReadySeconds: $min_ready
  selector: {matchLabels: {app: hello}}
  strategy:
    blueGreen:
      activeService: hello
      previewService: hello-preview
      autoPromotionEnabled: false
      scaleDownDelaySeconds: 5
      $extra
  template:
    metadata:
      labels: {app: hello}
    spec:
      containers: [{name: hello, image: "kelseyhightower/hello:$image", ports: [{name: http, containerPort: 80}]}]
YAML
}
service() {
  k apply -f - >/dev/null <<YAML
apiVersion: v1
kind: Service
metadata: {name: $1}
spec:
  selector: {app: hello}
  ports: [{name: http, port: 80, targetPort: http}]
YAML
}
field() { k get rp hello -o jsonpath="{$1}"; }
phase_is() { [[ $(field .status.phase) == "$1" && $(field .status.observedGeneration) == $(field .metadata.generation) ]]; }
selector_of() { k get service "$1" -o jsonpath='{.spec.selector.rolloutd\.io/pod-template-hash}'; }
rs_size() { k get rs "hello-$1" -o jsonpath='{.spec.replicas}'; }
operation() {  # TYPE: what `kubectl rp promote|abort|retry` writes
  k patch rp hello --subresource=status --type=merge \
    -p "{\"status\":{\"operation\":{\"type\":\"$1\",\"requestedAt\":\"$(date -u +%FT%TZ)\",\"requestedBy\":\"e2e\"}}}" >/dev/null
}
event_seen() { [[ -n $(k get events --field-selector "involvedObject.name=hello,reason=$1" -o name) ]]; }
available_reason() { field '.status.conditions[?(@.type=="Available")].reason'; }

service hello
service hello-preview

log "v1 deployed at 3 replicas"
policy 1.0.0 1
wait_until 90 "hello Healthy" phase_is Healthy
v1=$(field .status.currentPodHash)
[[ $(selector_of hello) == "$v1" ]] || fail "active not on $v1"

violations=$work/active-violations
# The floor only: the scale to 5 adds pods to the active revision too, whose endpoints are listed
# not-ready for their first second (which --single-revision would count).
start_checker hello "$violations" --interval-ms 100 --min 3

log "defect 2: v2 previewed on 1 pod, promoted, then kubectl scale to 5 before green is available"
policy 1.1.0 1
wait_until 60 "v2 waiting for promotion" phase_is Paused
v2=$(field .status.currentPodHash)
[[ $v2 != "$v1" && $(rs_size "$v2") == 1 ]] || fail "v2 ($v2) not previewed on 1 pod: $(rs_size "$v2")"
operation Promote
wait_until 30 "v2 grown to 3 by the promotion" bash -c "[[ \$(kubectl -n $ns get rs hello-$v2 -o jsonpath='{.spec.replicas}') == 3 ]]"
promoted_is() { [[ $(field .status.promotedPodHash) == "$1" ]]; }
wait_until 10 "the promotion recorded in status.promotedPodHash" promoted_is "$v2"
k scale rp hello --replicas=5 >/dev/null
replicas_line="replicas: 5"
[[ $(k get rs "hello-$v2" -o jsonpath='{.status.availableReplicas}') -lt 3 ]] ||
  fail "green was available before the scale (minReadySeconds $min_ready did not hold it): the scenario proves nothing"
# Green must only grow: at 1 (its preview size) the promotion would have been forgotten.
green_grows() {
  local size phase
  size=$(rs_size "$v2")
  phase=$(field .status.phase)
  ((size >= 3)) || { echo "green back to $size" >"$work/lost"; return 1; }
  [[ $phase != Paused ]] || { echo "waiting for promotion again" >"$work/lost"; return 1; }
  [[ $(selector_of hello) == "$v2" ]]
}
deadline=$((SECONDS + 90))
until green_grows; do
  [[ ! -s $work/lost ]] || fail "promotion lost after kubectl scale: $(cat "$work/lost")"
  ((SECONDS < deadline)) || fail "v2 never became active"
  sleep 0.2  # re-check interval of a condition poll
done
[[ $(rs_size "$v2") == 5 && $(k get rs "hello-$v2" -o jsonpath='{.status.availableReplicas}') == 5 ]] || fail "v2 not 5/5 at the switch"
wait_until 60 "hello Healthy at 5" phase_is Healthy
[[ -z $(field .status.promotedPodHash) ]] || fail "promotedPodHash kept after the release"
stop_checker "$violations"

log "defect 3: v3 waits for promotion at full size; every pod of the active revision is replaced"
policy 1.2.0
wait_until 90 "v3 waiting for promotion" phase_is Paused
v3=$(field .status.currentPodHash)
[[ $(rs_size "$v3") == 5 && $(k get rs "hello-$v3" -o jsonpath='{.status.availableReplicas}') == 5 ]] || fail "v3 not at 5/5"
k delete pods -l "rolloutd.io/pod-template-hash=$v2" --wait=false >/dev/null
wait_until 30 "the outage reported" bash -c "[[ \$(kubectl -n $ns get rp hello -o jsonpath='{.status.conditions[?(@.type==\"Available\")].reason}') == ActiveRevisionUnavailable ]]"
event_seen ActiveRevisionUnavailable || fail "no ActiveRevisionUnavailable event"
[[ $(field .status.phase) == Degraded ]] || fail "phase $(field .status.phase) during the outage"
# Until v2's new pods are available, and after: the active Service stays on v2.
outage_over() {
  [[ $(selector_of hello) == "$v2" ]] || { echo "active Service moved to $(selector_of hello)" >"$work/bypassed"; return 1; }
  [[ $(available_reason) == MinimumReplicasAvailable ]]
}
deadline=$((SECONDS + 90))
until outage_over; do
  [[ ! -s $work/bypassed ]] || fail "manual gate bypassed: $(cat "$work/bypassed")"
  ((SECONDS < deadline)) || fail "v2's pods never came back"
  sleep 0.2  # re-check interval of a condition poll
done
wait_until 30 "waiting for promotion again" phase_is Paused
[[ $(selector_of hello) == "$v2" && $(field .status.stablePodHash) == "$v2" ]] || fail "active not on $v2"
! event_seen ActiveServiceRescued || fail "an ActiveServiceRescued event: the active Service was moved"
operation Promote
wait_until 60 "v3 active" bash -c "[[ \$(kubectl -n $ns get service hello -o jsonpath='{.spec.selector.rolloutd\.io/pod-template-hash}') == $v3 ]]"
log "PASS"
