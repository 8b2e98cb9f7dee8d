#!/usr/bin/env bash
# Canary, compact: v1 Healthy with the stable and canary Services pinned to its pods and ClientIP
# affinity set on all three (Service patches); v2 stops at a pause step (status written), a
# promote through status.operation finishes it, and the canary Service follows v2.
scenario=rbac-canary
source "$(dirname "$0")/../lib.sh"
ns=$1 deadline=$2

for s in hello hello-stable hello-canary; do
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
    canary:
      service: hello
      stableService: hello-stable
      canaryService: hello-canary
      sessionAffinity: {type: ClientIP}
      scaleDownDelaySeconds: 0
      steps: [{setWeight: 50}, {pause: {}}]
YAML
}
field() { k get rp hello -o jsonpath="{$1}"; }
current() { [[ $(field .status.observedGeneration) == $(field .metadata.generation) ]]; }
healthy() { current && [[ $(field .status.phase) == Healthy && $(field .status.availableReplicas) == 2 ]]; }
pinned() {  # SERVICE HASH
  [[ $(k get service "$1" -o jsonpath='{.spec.selector.rolloutd\.io/pod-template-hash}') == "$2" ]]
}
affinity() { [[ $(k get service "$1" -o jsonpath='{.spec.sessionAffinity}') == ClientIP ]]; }

policy 1.0.0
wait_until "$deadline" "hello Healthy on v1" healthy
v1=$(field .status.stablePodHash)
wait_until "$deadline" "hello-stable pinned to $v1" pinned hello-stable "$v1"
for s in hello hello-stable hello-canary; do wait_until "$deadline" "ClientIP affinity on $s" affinity "$s"; done
policy 2.0.0
wait_until "$deadline" "paused at step 1" bash -c "[[ \$(kubectl -n $ns get rp hello -o jsonpath='{.status.currentStepIndex}/{.status.phase}') == 1/Paused ]]"
v2=$(field .status.currentPodHash)
wait_until "$deadline" "hello-canary pinned to $v2" pinned hello-canary "$v2"
k patch rp hello --subresource=status --type=merge \
  -p "{\"status\":{\"operation\":{\"type\":\"Promote\",\"requestedAt\":\"$(date -u +%FT%TZ)\",\"requestedBy\":\"rbac-test\"}}}" >/dev/null
wait_until "$deadline" "hello Healthy on v2" bash -c "[[ \$(kubectl -n $ns get rp hello -o jsonpath='{.status.phase}/{.status.stablePodHash}') == Healthy/$v2 ]]"
wait_until "$deadline" "hello-stable pinned to $v2" pinned hello-stable "$v2"
log "canary: ok"
