#!/usr/bin/env bash
# Blue/green, compact: v1 Healthy behind the active Service (pinned by a Service patch); v2 comes
# up behind the preview Service and waits; a promote through status.operation switches the active
# Service to v2.
scenario=rbac-blue-green
source "$(dirname "$0")/../lib.sh"
ns=$1 deadline=$2

for s in hello hello-preview; do
  k apply -f - >/dev/null <<YAML
apiVersion: v1
kind: Service
metadata: {name: $s}
spec:
  selector: {app: hello}
  ports: [{port: 80}]
YAML
done
policy() {
  k apply -f - >/dev/null <<YAML
apiVersion: rolloutd.io/v1alpha1
kind: RolloutPolicy
metadata: {name: hello}
spec:
  replicas: 2
  selector: {matchLabels: {app: hello}}
  template:
    metadata: {labels: {app: hello}}
    spec:
      containers: [{name: hello, image: "kelseyhightower/hello:$1"}]
  strategy:
    blueGreen:
      activeService: hello
      previewService: hello-preview
      autoPromotionEnabled: false
      scaleDownDelaySeconds: 5
YAML
}
field() { k get rp hello -o jsonpath="{$1}"; }
current() { [[ $(field .status.observedGeneration) == $(field .metadata.generation) ]]; }
pinned() {  # SERVICE HASH
  [[ $(k get service "$1" -o jsonpath='{.spec.selector.rolloutd\.io/pod-template-hash}') == "$2" ]]
}
healthy_on() { current && [[ $(field .status.phase) == Healthy && $(field .status.activeSelector) == "$1" ]]; }

policy 1.0.0
wait_until "$deadline" "hello Healthy" bash -c "[[ \$(kubectl -n $ns get rp hello -o jsonpath='{.status.phase}') == Healthy ]]"
v1=$(field .status.activeSelector)
wait_until "$deadline" "the active Service pinned to $v1" pinned hello "$v1"
policy 2.0.0
wait_until "$deadline" "v2 behind the preview Service" bash -c \
  "[[ -n \$(kubectl -n $ns get rp hello -o jsonpath='{.status.previewSelector}') && \$(kubectl -n $ns get rp hello -o jsonpath='{.status.previewSelector}') != $v1 ]]"
v2=$(field .status.previewSelector)
wait_until "$deadline" "the preview Service pinned to $v2" pinned hello-preview "$v2"
pinned hello "$v1" || fail "the active Service left $v1 before the promotion"
k patch rp hello --subresource=status --type=merge \
  -p "{\"status\":{\"operation\":{\"type\":\"Promote\",\"requestedAt\":\"$(date -u +%FT%TZ)\",\"requestedBy\":\"rbac-test\"}}}" >/dev/null
wait_until "$deadline" "the active Service switched to $v2" pinned hello "$v2"
wait_until "$deadline" "hello Healthy on $v2" healthy_on "$v2"
log "blue-green: ok"
