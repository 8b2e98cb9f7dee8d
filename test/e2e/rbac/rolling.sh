#!/usr/bin/env bash
# Rolling update, compact: create (ReplicaSet created and scaled up, status written, an Event
# recorded), then a new image with revisionHistoryLimit 0 (a second ReplicaSet created, the old
# one scaled down by patch and then deleted).
scenario=rbac-rolling
source "$(dirname "$0")/../lib.sh"
ns=$1 deadline=$2

policy() {
  k apply -f - >/dev/null <<YAML
apiVersion: rolloutd.io/v1alpha1
kind: RolloutPolicy
metadata: {name: hello}
spec:
  replicas: 2
  revisionHistoryLimit: 0
  selector: {matchLabels: {app: hello}}
  strategy: {rollingUpdate: {maxSurge: 1, maxUnavailable: 0}}
  template:
    metadata: {labels: {app: hello}}
    spec:
      containers: [{name: hello, image: "kelseyhightower/hello:$1"}]
YAML
}
field() { k get rp hello -o jsonpath="{$1}"; }
healthy_at() {  # REVISION
  [[ $(field .status.phase) == Healthy && $(field .status.observedGeneration) == $(field .metadata.generation) &&
    $(field .status.currentRevision) == "$1" && $(field .status.availableReplicas) == 2 ]]
}
replica_sets() { k get rs -l app=hello --no-headers 2>/dev/null | grep -c . || true; }

policy 1.0.0
wait_until "$deadline" "hello Healthy at revision 1" healthy_at 1
wait_until "$deadline" "a ScalingReplicaSet Event on hello" \
  bash -c "kubectl -n $ns get events --field-selector involvedObject.name=hello,reason=ScalingReplicaSet -o name | grep -q ."
policy 2.0.0
wait_until "$deadline" "hello Healthy at revision 2" healthy_at 2
wait_until "$deadline" "the revision-1 ReplicaSet deleted (revisionHistoryLimit 0)" bash -c "[[ \$(kubectl -n $ns get rs -l app=hello -o name | grep -c .) == 1 ]]"
log "rolling: ok ($(replica_sets) ReplicaSet)"
