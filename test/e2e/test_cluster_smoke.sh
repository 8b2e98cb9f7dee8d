#!/usr/bin/env bash
# Proves the local control plane is a real cluster: a Deployment's ReplicaSet creates pods that the
# scheduler places on kwok nodes and that become Ready; the Service's EndpointSlice lists exactly
# their IPs; scaling and an image change roll; a pod kept un-Ready stays so; deleting the
# Deployment garbage-collects its ReplicaSets and pods.
scenario=cluster-smoke
source "$(dirname "$0")/lib.sh"
new_namespace e2e-cluster-smoke

k apply -f - >/dev/null <<'YAML'
apiVersion: apps/v1
kind: Deployment
metadata: {name: hello}
spec:
  replicas: 3
  selector: {matchLabels: {app: hello}}
  template:
    metadata: {labels: {app: hello}}
    spec:
      containers: [{name: hello, image: "kelseyhightower/hello:1.0.0", ports: [{name: http, containerPort: 80}]}]
---
apiVersion: v1
kind: Service
metadata: {name: hello}
spec:
  selector: {app: hello}
  ports: [{name: http, port: 80, targetPort: http}]
YAML

log "3 replicas become 3 Ready pods on kwok nodes"
k rollout status deployment/hello --timeout=120s >/dev/null || fail "rollout of 3 replicas"
[[ $(count_ready_pods app=hello) == 3 ]] || fail "expected 3 Ready pods, got $(count_ready_pods app=hello)"
nodes=$(k get pods -l app=hello -o jsonpath='{range .items[*]}{.spec.nodeName}{"\n"}{end}' | sort -u)
[[ -n $nodes ]] && ! grep -qv '^kwok-node-' <<<"$nodes" || fail "pods not all on kwok nodes: $nodes"

endpoint_ips() {
  k get endpointslices -l kubernetes.io/service-name=hello \
    -o jsonpath='{range .items[*].endpoints[?(@.conditions.ready==true)]}{.addresses[0]}{"\n"}{end}' | sort
}
pod_ips() { k get pods -l app=hello -o jsonpath='{range .items[*]}{.status.podIP}{"\n"}{end}' | sort; }
endpoints_match_pods() { [[ -n $(pod_ips) && "$(endpoint_ips)" == "$(pod_ips)" ]]; }
log "the Service's EndpointSlice lists exactly the pod IPs"
wait_until 60 "EndpointSlice of hello to list the 3 pod IPs" endpoints_match_pods
[[ $(endpoint_ips | grep -c .) == 3 ]] || fail "EndpointSlice has $(endpoint_ips | grep -c .) ready addresses"

log "scale to 5"
k scale deployment hello --replicas=5 >/dev/null
k rollout status deployment/hello --timeout=120s >/dev/null || fail "scale to 5"
[[ $(count_ready_pods app=hello) == 5 ]] || fail "expected 5 Ready pods after scale"

log "image 2.0.0 rolls out through a new ReplicaSet"
k set image deployment/hello hello=kelseyhightower/hello:2.0.0 >/dev/null
k rollout status deployment/hello --timeout=180s >/dev/null || fail "rolling update to 2.0.0"
images=$(k get pods -l app=hello -o jsonpath='{range .items[*]}{.spec.containers[0].image}{"\n"}{end}' | sort -u)
[[ $images == "kelseyhightower/hello:2.0.0" ]] || fail "pods after update run: $images"
[[ $(k get rs -l app=hello --no-headers | wc -l) == 2 ]] || fail "expected the old and the new ReplicaSet"
wait_until 60 "EndpointSlice to follow the new pods" endpoints_match_pods

log "a pod annotated kwok.rolloutd.io/never-ready stays un-Ready while its twin becomes Ready"
for name in twin broken; do
  annotations='{}'
  [[ $name == broken ]] && annotations='{"kwok.rolloutd.io/never-ready": "true"}'
  k apply -f - >/dev/null <<YAML
apiVersion: v1
kind: Pod
metadata: {name: $name, labels: {app: probe}, annotations: $annotations}
spec: {containers: [{name: c, image: "kelseyhightower/hello:2.0.0"}]}
YAML
done
k wait --for=condition=Ready pod/twin --timeout=60s >/dev/null || fail "twin pod never became Ready"
wait_until 30 "broken pod to run" bash -c "[[ \$(kubectl -n $ns get pod broken -o jsonpath='{.status.phase}') == Running ]]"
ready=$(k get pod broken -o jsonpath='{.status.conditions[?(@.type=="Ready")].status}')
[[ $ready == False ]] || fail "never-ready pod has Ready=$ready"

log "kwok.rolloutd.io/ready-delay: 6s makes a pod Ready 6 s after it started, not sooner"
k apply -f - >/dev/null <<'YAML'
apiVersion: v1
kind: Pod
metadata: {name: slow, labels: {app: probe}, annotations: {kwok.rolloutd.io/ready-delay: 6s}}
spec: {containers: [{name: c, image: "kelseyhightower/hello:2.0.0"}]}
YAML
k wait --for=condition=Ready pod/slow --timeout=60s >/dev/null || fail "slow pod never became Ready"
# Whole-second timestamps: created (scheduled and given an IP within a second) to Ready.
times=$(k get pod slow -o jsonpath='{.metadata.creationTimestamp} {.status.conditions[?(@.type=="Ready")].lastTransitionTime}')
took=$(($(date -d "${times#* }" +%s) - $(date -d "${times% *}" +%s)))
log "slow pod: Ready ${took}s after it was created"
((took >= 5 && took <= 10)) || fail "a 6s ready delay took ${took}s ($times)"

log "deleting the Deployment garbage-collects its ReplicaSets and pods"
k delete deployment hello --wait=false >/dev/null
gone() { [[ -z $(k get rs,pods -l app=hello -o name) ]]; }
wait_until 120 "ReplicaSets and pods of hello to be garbage-collected" gone
log "PASS"
