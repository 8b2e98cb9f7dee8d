#!/usr/bin/env bash
# How heavy rolloutd is with many policies (Argo Rollouts users report 11-14 GB for 11-13k
# Rollouts): N one-replica rolling-update policies are created, rolled out to a new image and
# undone, and the controller's resident memory and the time until every policy is Healthy are
# printed after each phase. Prints figures; asserts nothing (scripts/bench runs it).
#   test/bench/policies_at_scale.sh ROLLOUTD_BINARY [N=1000]
# Needs KUBECONFIG for a cluster whose pods become Ready (the local control plane's kwok nodes).
set -euo pipefail
rolloutd=${1:?usage: policies_at_scale.sh ROLLOUTD_BINARY [N]}
count=${2:-1000}
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
ns=bench-policies
work=$(mktemp -d)
controller=
cleanup() {
  [[ -n $controller ]] && kill "$controller" 2>/dev/null && wait "$controller" 2>/dev/null
  kubectl delete namespace "$ns" --wait=false >/dev/null 2>&1 || true
  kubectl delete node -l type=kwok-bench --wait=false >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

kubectl apply --server-side --force-conflicts -f "$repo/crds/rolloutpolicies.rolloutd.io.yaml" >/dev/null
kubectl wait --for=condition=Established crd/rolloutpolicies.rolloutd.io --timeout=60s >/dev/null
kubectl delete namespace "$ns" --ignore-not-found --wait=true >/dev/null
kubectl create namespace "$ns" >/dev/null
# Room for every pod, surge included (the local control plane's nodes take 110 pods each).
for ((i = 0; i < (2 * count + 999) / 1000; i++)); do
  cat <<YAML
---
apiVersion: v1
kind: Node
metadata:
  name: kwok-bench-$i
  annotations: {kwok.x-k8s.io/node: fake, node.alpha.kubernetes.io/ttl: "0"}
  labels: {kubernetes.io/hostname: kwok-bench-$i, type: kwok-bench}
status:
  allocatable: {cpu: "1000", memory: 4Ti, pods: "1000"}
  capacity: {cpu: "1000", memory: 4Ti, pods: "1000"}
YAML
done | kubectl apply -f - >/dev/null
kubectl wait --for=condition=Ready node -l type=kwok-bench --timeout=60s >/dev/null

# The policies as one multi-document file per image, applied in chunks by kubectl.
policies() {  # IMAGE_TAG
  for ((i = 0; i < count; i++)); do
    cat <<YAML
---
apiVersion: rolloutd.io/v1alpha1
kind: RolloutPolicy
metadata: {name: app-$i, namespace: $ns}
spec:
  replicas: 1
  selector: {matchLabels: {app: app-$i}}
  template:
    metadata: {labels: {app: app-$i}}
    spec:
      containers: [{name: app, image: "kelseyhightower/hello:$1"}]
  strategy: {rollingUpdate: {maxSurge: 1, maxUnavailable: 0}}
YAML
  done
}
policies 1.0.0 >"$work/v1.yaml"
policies 2.0.0 >"$work/v2.yaml"

"$rolloutd" --namespace "$ns" --metrics-addr 127.0.0.1:0 --log-level warn >"$work/rolloutd.log" 2>&1 &
controller=$!

rss_mib() { awk -v key="$1:" '$1 == key {printf "%.1f", $2 / 1024}' "/proc/$controller/status"; }
cpu_seconds() {  # utime + stime of rolloutd so far
  awk -v hz="$(getconf CLK_TCK)" '{ sub(/^.*\) /, ""); printf "%.1f", ($12 + $13) / hz }' "/proc/$controller/stat"
}
healthy_count() {
  kubectl -n "$ns" get rp -o jsonpath='{range .items[*]}{.status.phase}{" "}{.metadata.generation}={.status.observedGeneration}{"\n"}{end}' |
    awk '$1 == "Healthy" { split($2, g, "="); if (g[1] == g[2]) n++ } END { print n + 0 }'
}
phase() {  # NAME FILE: apply FILE, wait until every policy is Healthy on it, print the figures
  local name=$1 file=$2 start=$SECONDS deadline=$((SECONDS + 1800)) cpu_before
  cpu_before=$(cpu_seconds)
  kubectl apply --server-side --force-conflicts -f "$file" >/dev/null
  local applied=$((SECONDS - start))
  while (($(healthy_count) < count)); do
    ((SECONDS < deadline)) || { echo "FIGURE $name: not every policy Healthy within 30 min ($(healthy_count)/$count)"; return 1; }
    sleep 2
  done
  echo "FIGURE $name: $count policies Healthy $((SECONDS - start)) s after the apply began (apply itself ${applied} s);" \
    "rolloutd RSS $(rss_mib VmRSS) MiB, peak $(rss_mib VmHWM) MiB, CPU $(awk -v a="$cpu_before" -v b="$(cpu_seconds)" 'BEGIN {printf "%.1f", b - a}') s"
}

phase create "$work/v1.yaml"
phase "update to 2.0.0" "$work/v2.yaml"
phase "undo to 1.0.0" "$work/v1.yaml"
