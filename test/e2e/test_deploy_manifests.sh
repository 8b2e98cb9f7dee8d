#!/usr/bin/env bash
# deploy/ installs for real on the local control plane, under the test's own names (a kustomize
# overlay adds a name prefix and moves it to a namespace of its own, so a real installation is not
# touched):
#  - deploy/crd is a byte-for-byte copy of crds/ (kustomize cannot reach outside its root), and the
#    image tag is the project's version;
#  - everything applies, the Pod Security "restricted" profile its namespace enforces admits the
#    controller's pods (a privileged pod is refused there, so the check can fail), the Deployment
#    becomes Available with 2 Ready replicas (kwok runs the pods), the metrics Service lists them
#    and the PodDisruptionBudget covers them;
#  - the pod spec has what the issue asks of it: leader election, probes on /healthz and /readyz,
#    requests and limits, non-root numeric user, read-only root, no capabilities, seccomp;
#  - deploy/namespaced renders nothing cluster-scoped, applies, and watches only its namespace;
#  - the monitoring objects (ServiceMonitor and PrometheusRule of deploy/monitoring, against
#    stand-in CRDs with strict structural schemas, test/e2e/fixtures/monitoring-crds.yaml, where
#    the cluster has no Prometheus Operator) apply, the ServiceMonitor selects the metrics Service,
#    and the dashboard ConfigMap holds deploy/monitoring/grafana-dashboard.json;
#  - deploy/core is deploy/ without them, and applies too (server-side dry run);
#  - the Argo CD argocd-cm patch is a valid ConfigMap (server-side dry run).
scenario=deploy-manifests
source "$(dirname "$0")/lib.sh"
deploy=$ROLLOUTD_SOURCE_DIR/deploy

log "deploy/crd is crds/, the image tag is the project version"
cmp -s "$ROLLOUTD_SOURCE_DIR/crds/rolloutpolicies.rolloutd.io.yaml" "$deploy/crd/rolloutpolicies.rolloutd.io.yaml" ||
  fail "deploy/crd/rolloutpolicies.rolloutd.io.yaml differs from crds/ (cp crds/rolloutpolicies.rolloutd.io.yaml deploy/crd/)"
version=$(sed -n 's/^project(rolloutd VERSION \([0-9.]*\).*/\1/p' "$ROLLOUTD_SOURCE_DIR/CMakeLists.txt")
for k in "$deploy/kustomization.yaml" "$deploy/namespaced/kustomization.yaml"; do
  grep -q "newTag: $version\$" "$k" || fail "$k: image tag is not the project version $version"
done

id=$(printf '%04x' $((RANDOM % 65536)))
home=t-deploy-$id
prefix=t-deploy-$id-
overlay=$(mktemp -d -p "$ROLLOUTD_SOURCE_DIR/build" deploy-overlay.XXXX 2>/dev/null || mktemp -d -p "$deploy/..")
# Never `kubectl delete -f` the rendering: it holds the CRD, whose deletion would delete every
# RolloutPolicy of every other test running on the cluster.
cleanup() {
  kubectl delete clusterrole,clusterrolebinding "${prefix}rolloutd" --ignore-not-found >/dev/null 2>&1 || true
  kubectl delete namespace "$home" "$home-ns" --ignore-not-found --wait=false >/dev/null 2>&1 || true
  rm -rf "$overlay"
}
trap cleanup EXIT
rel=$(realpath --relative-to="$overlay" "$deploy")

# The CRD object of deploy/ must not be renamed (kustomize leaves CRD names alone) and is applied
# as it is: it is crds/, which every other test applies too.
cat >"$overlay/kustomization.yaml" <<EOF
resources: [$rel]
namespace: $home
namePrefix: $prefix
EOF
kubectl kustomize "$overlay" >"$overlay/rendered.yaml"
kinds=$(grep '^kind:' "$overlay/rendered.yaml" | sort | tr '\n' ' ')
want="kind: ClusterRole kind: ClusterRoleBinding kind: ConfigMap kind: CustomResourceDefinition kind: Deployment kind: Namespace kind: PodDisruptionBudget kind: PrometheusRule kind: Role kind: RoleBinding kind: Service kind: ServiceAccount kind: ServiceMonitor "
[[ $kinds == "$want" ]] || fail "deploy/ renders $kinds"
grep -q "^  name: rolloutpolicies.rolloutd.io$" "$overlay/rendered.yaml" || fail "the CRD was renamed"

# The Prometheus Operator's kinds: its CRDs where installed, else the stand-ins (left in place, as
# every run of this test and of the chart's needs them; they are labelled as stand-ins).
for crd in servicemonitors prometheusrules; do
  kubectl get crd "$crd.monitoring.coreos.com" >/dev/null 2>&1 ||
    kubectl apply --server-side -f "$ROLLOUTD_SOURCE_DIR/test/e2e/fixtures/monitoring-crds.yaml" >/dev/null
done
kubectl wait --for=condition=Established crd/servicemonitors.monitoring.coreos.com crd/prometheusrules.monitoring.coreos.com --timeout=60s >/dev/null

log "apply deploy/ (as $prefix* in $home)"
kubectl apply --server-side --force-conflicts -f "$overlay/rendered.yaml" >/dev/null
kubectl wait --for=condition=Established crd/rolloutpolicies.rolloutd.io --timeout=60s >/dev/null
[[ $(kubectl get namespace "$home" -o jsonpath='{.metadata.labels.pod-security\.kubernetes\.io/enforce}') == restricted ]] ||
  fail "the namespace does not enforce the restricted Pod Security profile"
if kubectl -n "$home" run privileged --image=busybox --restart=Never --dry-run=server \
  --overrides='{"spec":{"containers":[{"name":"privileged","image":"busybox","securityContext":{"privileged":true}}]}}' >/dev/null 2>&1; then
  fail "a privileged pod was admitted in $home: the Pod Security check below would prove nothing"
fi
d() { kubectl -n "$home" get deployment "${prefix}rolloutd" -o jsonpath="{$1}"; }
available() {
  [[ $(d '.status.conditions[?(@.type=="Available")].status') == True && $(d .status.readyReplicas) == 2 &&
    $(d .status.updatedReplicas) == 2 ]]
}
wait_until 120 "Deployment ${prefix}rolloutd Available with 2 Ready replicas" available
wait_until 60 "the metrics Service to list 2 ready endpoints" bash -c "[[ \$(kubectl -n $home get endpointslices -l kubernetes.io/service-name=${prefix}rolloutd-metrics -o jsonpath='{range .items[*].endpoints[?(@.conditions.ready==true)]}{.addresses[0]}{\"\\n\"}{end}' | grep -c .) == 2 ]]"
wait_until 60 "the PodDisruptionBudget to cover 2 pods, 1 disruption allowed" bash -c \
  "[[ \$(kubectl -n $home get pdb ${prefix}rolloutd -o jsonpath='{.status.expectedPods}/{.status.disruptionsAllowed}') == 2/1 ]]"

log "the controller's pod spec"
pod='.spec.template.spec'
c="$pod.containers[0]"
expect() {  # JSONPATH WANT
  local got
  got=$(d "$1")
  [[ $got == "$2" ]] || fail "deployment $1 is '$got', want '$2'"
}
expect .spec.replicas 2
expect "$pod.serviceAccountName" "${prefix}rolloutd"
expect "$pod.securityContext.runAsNonRoot" true
expect "$pod.securityContext.seccompProfile.type" RuntimeDefault
[[ $(d "$pod.securityContext.runAsUser") =~ ^[1-9][0-9]*$ ]] || fail "runAsUser is not a numeric non-root id"
expect "$c.securityContext.readOnlyRootFilesystem" true
expect "$c.securityContext.allowPrivilegeEscalation" false
expect "$c.securityContext.capabilities.drop" '["ALL"]'
expect "$c.livenessProbe.httpGet.path" /healthz
expect "$c.readinessProbe.httpGet.path" /readyz
expect "$c.image" "rolloutd:$version"
for r in requests.cpu requests.memory limits.cpu limits.memory; do
  [[ -n $(d "$c.resources.$r") ]] || fail "no resources.$r"
done
args=$(d "$c.args")
for a in --leader-elect "--leader-election-namespace=\$(POD_NAMESPACE)" --metrics-addr=:8080; do
  [[ $args == *"\"$a\""* ]] || fail "args $args lack $a"
done
[[ $args != *--namespace=* ]] || fail "the cluster-wide install watches one namespace: $args"
[[ $(kubectl get clusterrolebinding "${prefix}rolloutd" -o jsonpath='{.subjects[0].namespace}/{.subjects[0].name}') == "$home/${prefix}rolloutd" ]] ||
  fail "the ClusterRoleBinding does not follow the namespace of the ServiceAccount"

log "monitoring: the ServiceMonitor selects the metrics Service, the dashboard is deploy/monitoring's"
selector=$(kubectl -n "$home" get servicemonitor "${prefix}rolloutd" -o jsonpath='{.spec.selector.matchLabels}')
[[ -n $selector ]] || fail "no ServiceMonitor selector"
selected=$(kubectl -n "$home" get services -o name -l "$(tr -d '{}"' <<<"$selector" | tr ':' '=')")
[[ $selected == "service/${prefix}rolloutd-metrics" ]] || fail "the ServiceMonitor selects '$selected'"
kubectl -n "$home" get service "${prefix}rolloutd-metrics" -o jsonpath='{.spec.ports[*].name}' | grep -qw metrics ||
  fail "the metrics Service has no port named metrics for the ServiceMonitor"
kubectl -n "$home" get prometheusrule "${prefix}rolloutd" -o jsonpath='{.spec.groups[*].rules[*].alert}' | grep -q . ||
  fail "the PrometheusRule has no alerts"
kubectl -n "$home" get configmap "${prefix}rolloutd-dashboard" -o jsonpath='{.data.rolloutd\.json}' |
  cmp -s - "$deploy/monitoring/grafana-dashboard.json" || fail "the dashboard ConfigMap is not deploy/monitoring/grafana-dashboard.json"
[[ $(kubectl -n "$home" get configmap "${prefix}rolloutd-dashboard" -o jsonpath='{.metadata.labels.grafana_dashboard}') == 1 ]] ||
  fail "the dashboard ConfigMap lacks the grafana_dashboard label"

log "deploy/core: deploy/ without the monitoring objects"
mkdir "$overlay/core"
printf 'resources: [../%s/core]\nnamespace: %s\nnamePrefix: %s\n' "$rel" "$home" "$prefix" >"$overlay/core/kustomization.yaml"
kubectl kustomize "$overlay/core" >"$overlay/core.yaml"
core_kinds=$(grep '^kind:' "$overlay/core.yaml" | sort | tr '\n' ' ')
want_core=${want/kind: ConfigMap /}
want_core=${want_core/kind: PrometheusRule /}
want_core=${want_core/kind: ServiceMonitor /}
[[ $core_kinds == "$want_core" ]] ||
  fail "deploy/core renders $core_kinds"
kubectl apply --dry-run=server -f "$overlay/core.yaml" >/dev/null 2>"$overlay/core.err" || { cat "$overlay/core.err" >&2; fail "deploy/core is refused"; }

log "deploy/namespaced: nothing cluster-scoped, applies in its namespace, watches only it"
kubectl create namespace "$home-ns" >/dev/null
mkdir "$overlay/ns"
cat >"$overlay/ns/kustomization.yaml" <<EOF
resources: [../$rel/namespaced]
namespace: $home-ns
namePrefix: $prefix
EOF
kubectl kustomize "$overlay/ns" >"$overlay/namespaced.yaml"
if grep -q '^kind: \(ClusterRole\|ClusterRoleBinding\|Namespace\|CustomResourceDefinition\)$' "$overlay/namespaced.yaml"; then
  fail "deploy/namespaced renders cluster-scoped objects"
fi
kubectl apply --server-side -f "$overlay/namespaced.yaml" >/dev/null
nsargs=$(kubectl -n "$home-ns" get deployment "${prefix}rolloutd" -o jsonpath="{$c.args}")
[[ $nsargs == *'"--namespace=$(POD_NAMESPACE)"'* ]] || fail "the namespaced controller does not watch only its namespace: $nsargs"
as_sa=(--as "system:serviceaccount:$home-ns:${prefix}rolloutd")
# The authorizer sees new bindings through its informer, a moment after the apply.
wait_until 30 "the namespaced ServiceAccount to be allowed to write policy status in its namespace" bash -c \
  "[[ \$(kubectl auth can-i ${as_sa[*]} patch rolloutpolicies.rolloutd.io --subresource=status -n $home-ns) == yes ]]"
[[ $(kubectl auth can-i "${as_sa[@]}" list replicasets.apps -n default) == no ]] ||
  fail "the namespaced ServiceAccount may list ReplicaSets outside its namespace"
wait_until 120 "the namespaced Deployment Available" bash -c \
  "[[ \$(kubectl -n $home-ns get deployment ${prefix}rolloutd -o jsonpath='{.status.readyReplicas}') == 2 ]]"

log "the Argo CD argocd-cm patch is a valid ConfigMap"
sed "s/^  namespace: argocd$/  namespace: $home/" "$deploy/argocd/argocd-cm.yaml" |
  kubectl apply --dry-run=server -f - >/dev/null || fail "deploy/argocd/argocd-cm.yaml is refused"
log "PASS"
