#!/usr/bin/env bash
# spec.restartAt, compact: the policy's pods are listed and the old ones evicted (pods list,
# pods/eviction create), and the restart is recorded in status.restartedAt.
scenario=rbac-restart
source "$(dirname "$0")/../lib.sh"
ns=$1 deadline=$2

k apply -f - >/dev/null <<'YAML'
apiVersion: rolloutd.io/v1alpha1
kind: RolloutPolicy
metadata: {name: hello}
spec:
  replicas: 2
  selector: {matchLabels: {app: hello}}
  strategy: {rollingUpdate: {maxSurge: 1, maxUnavailable: 1}}
  template:
    metadata: {labels: {app: hello}}
    spec:
      containers: [{name: hello, image: "kelseyhightower/hello:1.0.0"}]
YAML
field() { k get rp hello -o jsonpath="{$1}"; }
healthy() {
  [[ $(field .status.phase) == Healthy && $(field .status.observedGeneration) == $(field .metadata.generation) &&
    $(field .status.availableReplicas) == 2 ]]
}
wait_until "$deadline" "hello Healthy" healthy
pods() { k get pods -l app=hello -o jsonpath='{range .items[*]}{.metadata.name}{"\n"}{end}' | sort; }
before=$(pods)
# A second ahead, so every pod is older than restartAt even at whole-second precision.
restart_at=$(date -u -d '+1 second' +%Y-%m-%dT%H:%M:%SZ)
k patch rp hello --type merge -p "{\"spec\":{\"restartAt\":\"$restart_at\"}}" >/dev/null
restarted() { [[ $(field .status.restartedAt) == "$restart_at" ]] && healthy; }
wait_until "$deadline" "the restart recorded in status.restartedAt" restarted
[[ -z $(comm -12 <(echo "$before") <(pods)) ]] || fail "pods created before restartAt survived"
log "restart: ok"
