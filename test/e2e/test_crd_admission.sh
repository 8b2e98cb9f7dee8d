#!/usr/bin/env bash
# Proves the RolloutPolicy CRD on a real API server, with no controller involved: the CRD installs
# (the API server accepts every CEL rule's cost); `kubectl explain` documents the API; every example
# in docs/examples applies; defaults are filled in; printer columns, short name and categories work;
# each manifest under invalid/ is rejected by `kubectl apply` with the message its header promises;
# the selector cannot change; the scale and status subresources behave.
# Other scenarios may install the same CRD concurrently: applying it server-side is idempotent, and
# this scenario never deletes it (only its namespace).
scenario="crd-admission"
source "$(dirname "$0")/lib.sh"

crd_file=$ROLLOUTD_SOURCE_DIR/crds/rolloutpolicies.rolloutd.io.yaml
examples_dir=$ROLLOUTD_SOURCE_DIR/docs/examples
invalid_dir=$ROLLOUTD_SOURCE_DIR/test/e2e/invalid
crd=rolloutpolicies.rolloutd.io

log "every property in the schema has a description (read from the file, not the server)"
undocumented=$(kubectl create --dry-run=client -o json -f "$crd_file" | jq -r '
  .spec.versions[].schema.openAPIV3Schema | del(.properties.metadata)
  | [paths(objects) as $p | select(($p | length) >= 2 and $p[-2] == "properties")
     | select(getpath($p).description == null) | $p | map(select(. != "properties")) | join(".")]
  | .[]')
[[ -z $undocumented ]] || fail "properties without a description: $undocumented"

log "the CRD installs and becomes Established"
kubectl apply --server-side --force-conflicts -f "$crd_file" >/dev/null || fail "kubectl apply of the CRD"
kubectl wait --for=condition=Established "crd/$crd" --timeout=60s >/dev/null || fail "CRD not Established"
new_namespace t-crd-admission
wait_until 30 "discovery to serve the short name rp" k get rp

# kubectl wraps descriptions; compare on one line.
explain() { kubectl explain "$1" | tr -s '[:space:]' ' '; }
expect_explain() {  # path fragment
  grep -qF -- "$2" <<<"$(explain "$1")" || fail "kubectl explain $1 does not mention: $2"
}
log "kubectl explain documents the API down to deep paths"
expect_explain rolloutpolicy.spec.strategy "at most one of rollingUpdate, canary and blueGreen"
expect_explain rolloutpolicy.spec.strategy "blueGreen <Object>"
expect_explain rp.spec.strategy.canary.steps "executed in order"
expect_explain rp.spec.strategy.canary.steps.pause.duration "such as 30s, 5m, 1h or 1h30m"
expect_explain rp.spec.strategy.canary.steps.setCanaryScale.matchTrafficWeight "scale the canary by the traffic weight"
expect_explain rp.spec.strategy.blueGreen.sessionAffinity.timeoutSeconds "Defaults to 10800"
expect_explain rp.status.operation.type "PromoteFull skips every remaining step"

log "every example in docs/examples applies (server-side dry run)"
shopt -s nullglob
examples=("$examples_dir"/*.yaml)
((${#examples[@]} >= 4)) || fail "expected at least 4 examples, found ${#examples[@]}"
for f in "${examples[@]}"; do
  out=$(k apply --dry-run=server -f "$f" 2>&1) || fail "example $(basename "$f") rejected: $out"
done

# json_path NAME JQ: one value of the stored policy NAME.
json_path() { k get rp "$1" -o json | jq -r "$2"; }
expect_value() {  # description actual expected
  [[ $2 == "$3" ]] || fail "$1: expected '$3', got '$2'"
}

log "defaults are filled in on a created object"
k apply -f - >/dev/null <<'YAML'
apiVersion: rolloutd.io/v1alpha1
kind: RolloutPolicy
metadata: {name: minimal}
spec:
  selector: {matchLabels: {app: minimal}}
  template:
    metadata: {labels: {app: minimal}}
    spec: {containers: [{name: c, image: "kelseyhightower/hello:1.0.0"}]}
  strategy: {rollingUpdate: {}}
YAML
expect_value "defaulted spec of minimal" "$(json_path minimal '.spec | del(.selector, .template) | tojson')" \
  '{"minReadySeconds":0,"paused":false,"progressDeadlineAbort":false,"progressDeadlineSeconds":600,"replicas":1,"revisionHistoryLimit":10,"strategy":{"rollingUpdate":{"maxSurge":"25%","maxUnavailable":"25%"}}}'

log "canary and blue/green defaults, as the API server returns them for the examples"
dry_run_strategy() { k apply --dry-run=server -o json -f "$examples_dir/$1" |
  jq -c '.items[] | select(.kind == "RolloutPolicy") | .spec.strategy'; }
expect_value "defaulted canary strategy" "$(dry_run_strategy hello-canary.yaml | jq -c '.canary | del(.steps)')" \
  '{"abortScaleDownDelaySeconds":30,"canaryService":"hello-canary","maxSurge":"25%","maxUnavailable":"25%","scaleDownDelaySeconds":30,"service":"hello","sessionAffinity":{"timeoutSeconds":10800,"type":"ClientIP"},"stableService":"hello-stable"}'
expect_value "defaulted blueGreen strategy" "$(dry_run_strategy hello-bluegreen.yaml | jq -c '.blueGreen')" \
  '{"abortScaleDownDelaySeconds":30,"activeService":"hello","autoPromotionEnabled":false,"previewService":"hello-preview","scaleDownDelaySeconds":30,"sessionAffinity":{"timeoutSeconds":10800,"type":"ClientIP"}}'
expect_value "blueGreen autoPromotionEnabled default" "$(k apply --dry-run=server -o json -f - <<'YAML' | jq -c .spec.strategy.blueGreen.autoPromotionEnabled
apiVersion: rolloutd.io/v1alpha1
kind: RolloutPolicy
metadata: {name: bg-default}
spec:
  selector: {matchLabels: {app: bg}}
  template:
    metadata: {labels: {app: bg}}
    spec: {containers: [{name: c, image: "kelseyhightower/hello:1.0.0"}]}
  strategy: {blueGreen: {activeService: bg}}
YAML
)" true

log "no strategy object is defaulted, so a later apply can choose any strategy"
switch_manifest() {  # name strategy-yaml
  printf 'apiVersion: rolloutd.io/v1alpha1\nkind: RolloutPolicy\nmetadata: {name: %s}\nspec:\n  selector: {matchLabels: {app: %s}}\n  template:\n    metadata: {labels: {app: %s}}\n    spec: {containers: [{name: c, image: "kelseyhightower/hello:1.0.0"}]}\n%s\n' \
    "$1" "$1" "$1" "$2"
}
for mode in client server; do
  name=switch-$mode
  flags=()
  [[ $mode == server ]] && flags=(--server-side)
  switch_manifest "$name" "" | k apply "${flags[@]}" -f - >/dev/null || fail "$mode-side apply without strategy"
  expect_value "strategy of $name after creation" "$(json_path "$name" '.spec.strategy')" null
  out=$(switch_manifest "$name" "  strategy: {canary: {steps: [{setWeight: 50}]}}" | k apply "${flags[@]}" -f - 2>&1) ||
    fail "$mode-side apply switching to canary rejected: $out"
  out=$(switch_manifest "$name" "  strategy: {blueGreen: {activeService: $name}}" | k apply "${flags[@]}" -f - 2>&1) ||
    fail "$mode-side apply switching canary to blueGreen rejected: $out"
  expect_value "strategies of $name" "$(json_path "$name" '.spec.strategy | keys | join(",")')" blueGreen
done

log "edge values that are valid are accepted"
accept() {  # description, manifest on stdin
  out=$(k apply --dry-run=server -f - 2>&1) || fail "$1 rejected: $out"
}
accept "integer surge with zero unavailable, pause in integer seconds and in h/m/s, setCanaryScale forms" <<'YAML'
apiVersion: rolloutd.io/v1alpha1
kind: RolloutPolicy
metadata: {name: edges}
spec:
  replicas: 0
  selector:
    matchLabels: {app: edges}
    matchExpressions:
    - {key: track, operator: In, values: [stable, canary]}
    - {key: tier, operator: NotIn, values: [db]}
    - {key: app, operator: Exists}
    - {key: legacy, operator: DoesNotExist}
  template:
    metadata: {labels: {app: edges, track: canary, example.com/team: web}}
    spec: {containers: [{name: c, image: "kelseyhightower/hello:1.0.0"}]}
  strategy:
    canary:
      maxSurge: 1
      maxUnavailable: 0
      steps:
      - setCanaryScale: {replicas: 1}
      - setWeight: 0
      - pause: {duration: 30}
      - setCanaryScale: {weight: 100}
      - pause: {duration: 1h30m}
      - setCanaryScale: {matchTrafficWeight: true}
      - analysis: {templates: [{templateName: success-rate}]}
      - setWeight: 100
YAML
accept "a template as kubectl create deployment --dry-run generates it (creationTimestamp: null)" <<'YAML'
apiVersion: rolloutd.io/v1alpha1
kind: RolloutPolicy
metadata: {name: edges-generated}
spec:
  selector: {matchLabels: {app: hello}}
  template:
    metadata:
      creationTimestamp: null
      labels: {app: hello}
    spec:
      containers:
      - image: kelseyhightower/hello:1.0.0
        name: hello
        resources: {}
  restartAt: "2026-01-02T03:04:05Z"
YAML
accept "a workloadRef instead of a template, maxUnavailable 100% with surge 0" <<'YAML'
apiVersion: rolloutd.io/v1alpha1
kind: RolloutPolicy
metadata: {name: edges-ref}
spec:
  selector: {matchLabels: {app: hello}}
  workloadRef: {apiVersion: apps/v1, kind: Deployment, name: hello}
  strategy: {rollingUpdate: {maxSurge: "0%", maxUnavailable: "100%"}}
YAML

accept "the largest time spans and times the schema allows (30 days, no deadline, 2099)" <<'YAML'
apiVersion: rolloutd.io/v1alpha1
kind: RolloutPolicy
metadata: {name: edges-bounds}
spec:
  minReadySeconds: 2592000
  progressDeadlineSeconds: 2147483647
  restartAt: "2099-12-31T23:59:59Z"
  selector: {matchLabels: {app: edges}}
  template:
    metadata: {labels: {app: edges}}
    spec: {containers: [{name: c, image: "kelseyhightower/hello:1.0.0"}]}
  strategy:
    canary:
      scaleDownDelaySeconds: 2592000
      abortScaleDownDelaySeconds: 2592000
      steps:
      - pause: {duration: 720h}
      - pause: {duration: 2592000}
      - pause: {duration: 719h59m60s}
      - pause: {duration: 2592000s}
YAML

log "each invalid manifest is rejected with the message its header names"
invalid=("$invalid_dir"/*.yaml)
((${#invalid[@]} >= 10)) || fail "expected at least 10 invalid manifests, found ${#invalid[@]}"
for f in "${invalid[@]}"; do
  what=$(sed -n 's/^# Wrong: //p' "$f")
  expected=$(sed -n 's/^# expect: //p' "$f")
  [[ -n $what && -n $expected ]] || fail "$(basename "$f") lacks its '# Wrong:' and '# expect:' header lines"
  if out=$(k apply -f "$f" 2>&1); then
    fail "$(basename "$f") was accepted ($what)"
  fi
  grep -qF -- "$expected" <<<"$out" || fail "$(basename "$f"): expected '$expected' in: $out"
done
expect_value "policies after the invalid manifests (none of them may be stored)" "$(k get rp -o name | sort | xargs)" \
  "rolloutpolicy.rolloutd.io/minimal rolloutpolicy.rolloutd.io/switch-client rolloutpolicy.rolloutd.io/switch-server"

log "the real hello example: created, and its selector cannot change"
k apply -f "$examples_dir/hello-rolling.yaml" >/dev/null || fail "apply hello-rolling.yaml"
out=$(k patch rp hello --type=merge -p \
  '{"spec":{"selector":{"matchLabels":{"app":"hello","tier":"web"}},"template":{"metadata":{"labels":{"app":"hello","tier":"web"}}}}}' 2>&1) &&
  fail "changing the selector was accepted"
grep -qF "spec.selector is immutable" <<<"$out" || fail "selector change rejected without the expected message: $out"
expect_value "selector after the rejected change" "$(json_path hello '.spec.selector | tojson')" '{"matchLabels":{"app":"hello"}}'
k patch rp hello --type=merge -p '{"spec":{"template":{"spec":{"containers":[{"name":"hello","image":"kelseyhightower/hello:2.0.0"}]}}}}' \
  >/dev/null || fail "an image change (selector untouched) was rejected"

log "kubectl scale changes spec.replicas through the scale subresource"
k scale rp hello --replicas=5 >/dev/null || fail "kubectl scale rp hello"
expect_value "spec.replicas after scale" "$(json_path hello .spec.replicas)" 5
scale_path=/apis/rolloutd.io/v1alpha1/namespaces/$ns/rolloutpolicies/hello/scale
expect_value "Scale object's spec.replicas" "$(kubectl get --raw "$scale_path" | jq -r .spec.replicas)" 5

log "status is a subresource: ignored on the main resource, accepted on /status"
k patch rp hello --type=merge -p '{"status":{"message":"written through the main resource"}}' >/dev/null 2>&1 || true
[[ $(json_path hello '.status.message // ""') != "written through the main resource" ]] ||
  fail "a status written through the main resource was stored"
status_patch='{"status":{"phase":"Healthy","replicas":5,"updatedReplicas":4,"readyReplicas":4,"availableReplicas":3,
  "currentStepIndex":2,"canaryWeight":40,"selector":"app=hello",
  "operation":{"type":"PromoteFull","requestedAt":"2026-01-02T03:04:05Z","requestedBy":"t-crd-admission"},
  "conditions":[{"type":"Available","status":"True","reason":"MinimumReplicasAvailable","lastTransitionTime":"2026-01-02T03:04:05Z"}]}}'
k patch rp hello --subresource=status --type=merge -p "$status_patch" >/dev/null || fail "status patch rejected"
out=$(k patch rp hello --subresource=status --type=merge \
  -p '{"status":{"operation":{"type":"Rollback","requestedAt":"2026-01-02T03:04:05Z"}}}' 2>&1) &&
  fail "an unknown operation type was accepted"
grep -qF 'Unsupported value: "Rollback"' <<<"$out" || fail "unknown operation rejected without the expected message: $out"

# The table and the object are read separately; a controller of another scenario may be writing
# this status too, so compare until both readings agree.
table_matches_status() {
  local row want
  row=$(k get rp hello --no-headers | awk '{print $2, $3, $4, $5, $6, $7, $8}')
  want=$(json_path hello '[.spec.replicas, .status.replicas, .status.updatedReplicas, .status.availableReplicas,
    .status.phase, .status.currentStepIndex, .status.canaryWeight] | map(tostring) | join(" ")')
  [[ $row == "$want" ]]
}
log "kubectl get rp prints the printer columns"
header=$(k get rp hello | awk 'NR == 1' | tr -s ' ')
expect_value "kubectl get rp header" "$header" "NAME DESIRED CURRENT UP-TO-DATE AVAILABLE PHASE STEP WEIGHT AGE"
wait_until 10 "kubectl get rp hello to show the status values" table_matches_status
expect_value "Scale object's status.selector" "$(kubectl get --raw "$scale_path" | jq -r .status.selector)" app=hello

log "categories: kubectl get all and kubectl get rolloutd list the policies"
for category in all rolloutd; do
  grep -qx "rolloutpolicy.rolloutd.io/hello" <<<"$(k get "$category" -o name)" ||
    fail "kubectl get $category does not list rolloutpolicy/hello"
done
log "PASS"
