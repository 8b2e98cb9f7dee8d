#!/usr/bin/env bash
# The rolloutd binary drives a blue/green RolloutPolicy against the local control plane, as a user
# sees it with kubectl. `hello` v1 is active; v2 is rolled out behind the preview Service (whose
# EndpointSlices list only v2 pods while the active Service's list only v1) and waits for promotion;
# a promote (status.operation through the status subresource) switches the active Service to v2;
# re-applying v1 within the scale-down delay switches it back to the very same v1 pods (the time
# from the command to the new selector is printed); after the delay the old ReplicaSet goes to 0.
# Then automatic promotion after autoPromotionSeconds, an abort before the switch (green scaled down
# after abortScaleDownDelaySeconds), a retry, an abort after the switch, a missing Service that
# appears later, and the Services given back when the policy is deleted.
# Throughout, the availability checker samples the active Service's endpoints every 100 ms and a
# watch sees every state of its EndpointSlices: every endpoint is ready, there are always
# `replicas` of them, and they belong to one revision (except, for the sampler, within the 1 s
# grace of a switch; the watch allows none). Operations are written to status.operation as
# `kubectl rp` writes them.
scenario=blue-green
source "$(dirname "$0")/lib.sh"
ROLLOUTD_BIN_DIR=${ROLLOUTD_BIN_DIR:-$ROLLOUTD_SOURCE_DIR/build/controller}
new_namespace t-blue-green

kubectl apply --server-side --force-conflicts -f "$ROLLOUTD_SOURCE_DIR/crds/rolloutpolicies.rolloutd.io.yaml" >/dev/null
kubectl wait --for=condition=Established crd/rolloutpolicies.rolloutd.io --timeout=60s >/dev/null

work=$(mktemp -d)
controller_log=$work/rolloutd.log
start_rolloutd "$controller_log" --namespace "$ns" --metrics-addr 127.0.0.1:0 --log-level debug
# A loopback proxy to the API server, so the scenario can read EndpointSlices and Services with
# curl (a kubectl process per look would be too slow to time the switch back).
kubectl proxy --port=0 --address=127.0.0.1 >"$work/proxy.out" 2>&1 &
proxy_pid=$!
checker_pid=
watcher_pid=
cleanup() {
  [[ -n $checker_pid ]] && kill "$checker_pid" 2>/dev/null || true
  [[ -n $watcher_pid ]] && kill "$watcher_pid" 2>/dev/null || true
  kill "$proxy_pid" 2>/dev/null || true
  kill "$controller_pid" 2>/dev/null || true
  wait "$controller_pid" 2>/dev/null || true
  kubectl delete namespace "$ns" --ignore-not-found --wait=false >/dev/null 2>&1 || true
  if [[ ${keep_log:-} == 1 ]]; then log "controller log kept at $controller_log"; else rm -rf "$work"; fi
}
trap cleanup EXIT
trap 'keep_log=1; tail -40 "$controller_log" >&2' ERR
wait_until 20 "kubectl proxy" grep -q 'Starting to serve' "$work/proxy.out"
api=http://$(sed -n 's/.*Starting to serve on \([0-9.:]*\).*/\1/p' "$work/proxy.out")

replicas=3
# policy NAME IMAGE [AUTO_PROMOTION_SECONDS] [ACTIVE_SERVICE]: applies a blue/green policy; with a
# number, promotion is automatic after that many seconds.
policy() {
  local name=$1 image=$2 auto=${3:-} active=${4:-$1} promotion="autoPromotionEnabled: false"
  [[ -n $auto ]] && promotion="autoPromotionEnabled: true
      autoPromotionSeconds: $auto"
  k apply -f - >/dev/null <<YAML
apiVersion: rolloutd.io/v1alpha1
kind: RolloutPolicy
metadata: {name: $name}
spec:
  replicas: $replicas
  selector: {matchLabels: {app: $name}}
  strategy:
    blueGreen:
      activeService: $active
      previewService: $name-preview
      $promotion
      scaleDownDelaySeconds: 20
      abortScaleDownDelaySeconds: 5
      sessionAffinity: {type: ClientIP, timeoutSeconds: 600}
  template:
    metadata:
      labels: {app: $name}
      annotations: {kwok.rolloutd.io/ready-delay: "1s"}
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
  selector: {app: $2}
  ports: [{name: http, port: 80, targetPort: http}]
YAML
}
field() { k get rp "${2:-hello}" -o jsonpath="{$1}"; }
phase_is() { [[ $(field .status.phase "${2:-hello}") == "$1" && $(field .status.observedGeneration "${2:-hello}") == $(field .metadata.generation "${2:-hello}") ]]; }
selector_of() { k get service "$1" -o jsonpath='{.spec.selector.rolloutd\.io/pod-template-hash}'; }
rs_size() { k get rs "hello-$1" -o jsonpath='{.spec.replicas}'; }
# "<ready> <pod>" per endpoint of a Service, straight from its EndpointSlices.
endpoints_of() {
  curl -sf "$api/apis/discovery.k8s.io/v1/namespaces/$ns/endpointslices?labelSelector=kubernetes.io%2Fservice-name%3D$1" |
    jq -r '.items[].endpoints[]? | "\(.conditions.ready) \(.targetRef.name)"'
}
# The pods a Service's EndpointSlices list as ready, sorted.
ready_endpoints() { endpoints_of "$1" | awk '$1 == "true" {print $2}' | sort; }
# lists_only SERVICE HASH: exactly `replicas` ready endpoints, every one a pod of hello-HASH.
lists_only() {
  local pods
  pods=$(ready_endpoints "$1")
  [[ $(grep -c . <<<"$pods") == "$replicas" ]] && ! grep -qv "^hello-$2-" <<<"$pods"
}
operation() {  # TYPE: what `kubectl rp promote|abort|retry` writes
  k patch rp hello --subresource=status --type=merge \
    -p "{\"status\":{\"operation\":{\"type\":\"$1\",\"requestedAt\":\"$(date -u +%FT%TZ)\",\"requestedBy\":\"e2e\"}}}" >/dev/null
}
# (Not `| grep -q`: with pipefail, kubectl writing on after grep has quit would fail the pipe.)
event_seen() { [[ -n $(k get events --field-selector "involvedObject.name=hello,reason=$1" -o name) ]]; }
now() { date +%s.%N; }

service hello hello
service hello-preview hello

log "v1: the first deploy pins the active Service to the only ReplicaSet once it is available"
policy hello 1.0.0
wait_until 120 "hello Healthy" phase_is Healthy
k wait --for=condition=Available rp/hello --timeout=30s >/dev/null || fail "Available condition"
v1=$(field .status.currentPodHash)
[[ $(selector_of hello) == "$v1" && $(field .status.activeSelector) == "$v1" ]] || fail "active not on $v1"
[[ $(selector_of hello-preview) == "$v1" ]] || fail "preview not on $v1"
for svc in hello hello-preview; do
  [[ $(k get service $svc -o jsonpath='{.spec.sessionAffinity}/{.spec.sessionAffinityConfig.clientIP.timeoutSeconds}') == ClientIP/600 ]] ||
    fail "sessionAffinity of $svc: $(k get service $svc -o jsonpath='{.spec.sessionAffinity}')"
  [[ $(k get service $svc -o jsonpath='{.metadata.annotations.rolloutd\.io/managed-by}') == hello ]] || fail "$svc not managed-by hello"
done
wait_until 60 "active EndpointSlices to list the 3 v1 pods" lists_only hello "$v1"

# The checker (test/tools/availability_checker): every 100 ms, the active Service's endpoints are
# all ready, at least `replicas` of them, and of one pod-template hash (a mix is tolerated for the
# 1 s grace of a switch, while the EndpointSlice controller rewrites the slices).
violations=$work/active-violations
start_checker hello "$violations" --interval-ms 100 --single-revision --min "$replicas"
# The same rule over every state the API server stored, not just samples: a watch of the slices,
# with jq keeping the current set (by slice name) and summarising it after each event as
# "<endpoints> <not ready> <ReplicaSet>...".
summary='[.items[].endpoints[]?] as $e
  | [($e | length), ($e | map(select(.conditions.ready != true)) | length)]
    + ($e | map(.targetRef.name | sub("-[^-]*$"; "")) | unique) | map(tostring) | join(" ")'
watch_states=$work/watch-states
kubectl -n "$ns" get endpointslices -l kubernetes.io/service-name=hello -w --output-watch-events -o json |
  jq --unbuffered -r -n 'foreach inputs as $ev ({};
      if $ev.type == "DELETED" then del(.[$ev.object.metadata.name])
      elif $ev.type == "ADDED" or $ev.type == "MODIFIED" then .[$ev.object.metadata.name] = $ev.object
      else . end;
      {items: [.[]]} | '"$summary"')' >"$watch_states" 2>/dev/null &
watcher_pid=$!
check_checker() {
  [[ ! -s $violations ]] || fail "active Service checker: $(head -3 "$violations" | tr '\n' ';')"
  local bad
  bad=$(awk -v r="$replicas" '{n = NF - 2; if ($2 != 0 || $1 < r) print "state " NR ": " $0;
    if (n > 1) { if (++mixed > 2) print "state " NR ": two revisions for " mixed " states: " $0 } else mixed = 0 }' "$watch_states")
  [[ -z $bad ]] || fail "active Service watch: $(head -3 <<<"$bad")"
}

log "v2: green behind the preview Service, active stays on v1 until promoted"
v1_pods=$(ready_endpoints hello)
policy hello 2.0.0
wait_until 120 "waiting for promotion (Paused)" phase_is Paused
v2=$(field .status.currentPodHash)
[[ $v2 != "$v1" ]] || fail "the template hash did not change"
[[ $(field '.status.pauseConditions[0].reason') == BlueGreenPause ]] || fail "no BlueGreenPause pause condition"
[[ $(field .status.previewSelector) == "$v2" && $(field .status.activeSelector) == "$v1" ]] || fail "status selectors"
wait_until 60 "preview EndpointSlices to list only the 3 v2 pods" lists_only hello-preview "$v2"
lists_only hello "$v1" || fail "active lists $(ready_endpoints hello | tr '\n' ' ')"
[[ $(ready_endpoints hello) == "$v1_pods" ]] || fail "active pods changed before promotion"
event_seen RolloutPaused || fail "no RolloutPaused event"

log "promote: active switches to v2; v1 keeps its pods for the 20 s scale-down delay"
operation Promote
wait_until 30 "active selector on v2" bash -c "[[ \$(kubectl -n $ns get service hello -o jsonpath='{.spec.selector.rolloutd\.io/pod-template-hash}') == $v2 ]]"
wait_until 30 "active EndpointSlices to list only v2 pods" lists_only hello "$v2"
[[ -z $(field .status.operation) ]] || fail "status.operation not removed: $(field .status.operation)"
[[ $(rs_size "$v1") == "$replicas" ]] || fail "v1 scaled to $(rs_size "$v1") right after the switch"
[[ -n $(k get rs "hello-$v1" -o jsonpath='{.metadata.annotations.rolloutd\.io/scale-down-deadline}') ]] || fail "no scale-down deadline on v1"
event_seen ServiceSwitched || fail "no ServiceSwitched event"

log "switch back within the delay: re-applying v1 points active at the same v1 pods"
t0=$(now)
policy hello 1.0.0
t_applied=$(now)
until [[ $(curl -sf "$api/api/v1/namespaces/$ns/services/hello" | jq -r '.spec.selector["rolloutd.io/pod-template-hash"]') == "$v1" ]]; do
  (($(date +%s) - ${t0%.*} < 20)) || fail "active not back on v1 within 20 s"
done
t1=$(now)
wait_until 30 "active EndpointSlices to list v1 pods again" lists_only hello "$v1"
t2=$(now)
switch_ms=$(awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%d", (b - a) * 1000}')
endpoints_ms=$(awk -v a="$t0" -v b="$t2" 'BEGIN {printf "%d", (b - a) * 1000}')
applied_ms=$(awk -v a="$t_applied" -v b="$t1" 'BEGIN {printf "%d", (b - a) * 1000}')
log "FIGURE switch-back: kubectl apply -> active selector on v1 in ${switch_ms} ms (${applied_ms} ms after apply returned); -> EndpointSlices list v1 in ${endpoints_ms} ms"
[[ $(ready_endpoints hello) == "$v1_pods" ]] || fail "v1 pods differ after the switch back: $(ready_endpoints hello | tr '\n' ' ')"
[[ $(field .status.currentPodHash) == "$v1" ]] || fail "currentPodHash $(field .status.currentPodHash)"

log "after the delay the old ReplicaSet (v2) goes to 0, not before"
wait_until 30 "a scale-down deadline on v2" bash -c "[[ -n \$(kubectl -n $ns get rs hello-$v2 -o jsonpath='{.metadata.annotations.rolloutd\.io/scale-down-deadline}') ]]"
deadline=$(date -d "$(k get rs "hello-$v2" -o jsonpath='{.metadata.annotations.rolloutd\.io/scale-down-deadline}')" +%s)
wait_until 60 "v2 scaled to 0" bash -c "[[ \$(kubectl -n $ns get rs hello-$v2 -o jsonpath='{.spec.replicas}') == 0 ]]"
(($(date +%s) >= deadline)) || fail "v2 scaled down before its deadline"
wait_until 60 "hello Healthy on v1" phase_is Healthy
[[ $(field .status.stablePodHash) == "$v1" ]] || fail "stablePodHash $(field .status.stablePodHash)"
check_checker

log "auto-promotion: v3 switches by itself 5 s after it is ready"
policy hello 3.0.0 5
wait_until 120 "v3 ready and paused for auto-promotion" phase_is Paused
v3=$(field .status.currentPodHash)
paused_at=$(date +%s)
wait_until 60 "active selector on v3" bash -c "[[ \$(kubectl -n $ns get service hello -o jsonpath='{.spec.selector.rolloutd\.io/pod-template-hash}') == $v3 ]]"
(($(date +%s) - paused_at >= 3)) || fail "auto-promotion came too early"
event_seen RolloutPromoted || fail "no RolloutPromoted event"
wait_until 30 "active EndpointSlices to list only v3 pods" lists_only hello "$v3"
wait_until 60 "v1 scaled to 0 after the delay" bash -c "[[ \$(kubectl -n $ns get rs hello-$v1 -o jsonpath='{.spec.replicas}') == 0 ]]"
wait_until 60 "hello Healthy on v3" phase_is Healthy

log "abort before the switch: active stays on v3, v4 is scaled down after 5 s"
policy hello 4.0.0
wait_until 120 "v4 waiting for promotion" phase_is Paused
v4=$(field .status.currentPodHash)
operation Abort
wait_until 30 "phase Degraded" phase_is Degraded
[[ $(field '.status.conditions[?(@.type=="Progressing")].reason') == RolloutAborted ]] || fail "Progressing reason"
[[ $(field .status.abort) == true ]] || fail "status.abort not set"
wait_until 60 "v4 scaled to 0" bash -c "[[ \$(kubectl -n $ns get rs hello-$v4 -o jsonpath='{.spec.replicas}') == 0 ]]"
lists_only hello "$v3" || fail "active left v3 during the abort"

log "retry, promote, then abort after the switch: active returns to the same v3 pods"
operation Retry
wait_until 120 "v4 waiting for promotion again" phase_is Paused
v3_pods=$(ready_endpoints hello)
operation Promote
wait_until 30 "active EndpointSlices to list only v4 pods" lists_only hello "$v4"
operation Abort
wait_until 30 "active EndpointSlices to list v3 pods again" lists_only hello "$v3"
[[ $(ready_endpoints hello) == "$v3_pods" ]] || fail "v3 pods differ after the abort"
wait_until 60 "v4 scaled to 0 after the abort" bash -c "[[ \$(kubectl -n $ns get rs hello-$v4 -o jsonpath='{.spec.replicas}') == 0 ]]"
phase_is Degraded || fail "phase $(field .status.phase) after the abort"
check_checker
stop_checker "$violations"
kill "$watcher_pid" 2>/dev/null || true
watcher_pid=
log "FIGURE checker: $(grep '^samples=' "$violations.log"); $(grep -c . "$watch_states") watched states of the active EndpointSlices, none in violation"

log "a missing active Service is a clear condition, and the policy proceeds once it exists"
service other-preview other
policy other 1.0.0 "" other
wait_until 30 "ServiceNotFound" bash -c "[[ \$(kubectl -n $ns get rp other -o jsonpath='{.status.conditions[?(@.type==\"Progressing\")].reason}') == ServiceNotFound ]]"
[[ $(field '.status.conditions[?(@.type=="Progressing")].message' other) == *'"other" not found'* ]] || fail "message: $(field '.status.conditions[?(@.type=="Progressing")].message' other)"
[[ -z $(k get rs -l app=other -o name) ]] || fail "ReplicaSets created while the Service is missing"
service other other
wait_until 120 "other Healthy once its Service exists" phase_is Healthy other

# released SERVICE: no pin, no managed-by, sessionAffinity back to the Service's own (None).
released() {
  [[ -z $(k get service "$1" -o jsonpath='{.spec.selector.rolloutd\.io/pod-template-hash}{.metadata.annotations.rolloutd\.io/managed-by}') &&
    $(k get service "$1" -o jsonpath='{.spec.sessionAffinity}') == None ]]
}
log "switching a policy to a rolling update gives its Services back"
k patch rp other --type=json -p '[{"op":"replace","path":"/spec/strategy","value":{"rollingUpdate":{"maxSurge":1,"maxUnavailable":0}}}]' >/dev/null
wait_until 30 "other and other-preview released" bash -c "$(declare -f k released); ns=$ns; released other && released other-preview"

log "deleting the policy gives the Services back"
k delete rp hello --wait=true >/dev/null
wait_until 30 "hello and hello-preview released" bash -c "$(declare -f k released); ns=$ns; released hello && released hello-preview"

log "docs/examples/hello-bluegreen.yaml works as documented"
k delete service hello hello-preview --wait=true >/dev/null
k apply -f "$ROLLOUTD_SOURCE_DIR/docs/examples/hello-bluegreen.yaml" >/dev/null
wait_until 120 "the example Healthy" phase_is Healthy
lists_only hello "$(field .status.currentPodHash)" || wait_until 30 "the example's active endpoints" lists_only hello "$(field .status.currentPodHash)"
[[ $(k get service hello -o jsonpath='{.spec.sessionAffinity}') == ClientIP ]] || fail "example: no ClientIP affinity"
k patch rp hello --type=json -p '[{"op":"replace","path":"/spec/template/spec/containers/0/image","value":"kelseyhightower/hello:2.0.0"}]' >/dev/null
wait_until 120 "the example waiting for promotion" phase_is Paused
wait_until 30 "the example's preview endpoints" lists_only hello-preview "$(field .status.currentPodHash)"

log "SIGTERM: the controller exits 0"
kill -TERM "$controller_pid"
rc=0
wait "$controller_pid" || rc=$?
[[ $rc == 0 ]] || fail "rolloutd exited $rc on SIGTERM"
grep -q 'ERROR\|AddressSanitizer\|runtime error' "$controller_log" && { keep_log=1; fail "errors in the controller log"; }
log "PASS"
