#!/usr/bin/env bash
# charts/rolloutd is deploy/ as a Helm chart, and it installs:
#  - its CRD is crds/ byte for byte, its version and appVersion are the project's;
#  - `helm lint --strict` passes for the default and the namespace-scoped values, and values the
#    controller would refuse (2 replicas without leader election, an unknown log format) do not render;
#  - `helm template` of both applies to the local API server with a server-side dry run;
#  - rendered with the defaults it grants exactly deploy/'s rules and runs the controller with
#    deploy/'s pod spec (security contexts, args, probes, resources, env);
#  - namespace-scoped, it renders no cluster-scoped object and watches only the release namespace;
#  - with the ServiceMonitor, PrometheusRule and dashboard enabled it applies (against the
#    Prometheus Operator's CRDs or the tests' stand-ins) and the dashboard is deploy/monitoring's;
#  - a real `helm install` becomes Available (kwok runs the pods), `helm upgrade` with new values
#    rolls the Deployment, and `helm uninstall` removes everything but the CRD.
scenario=helm-chart
source "$(dirname "$0")/lib.sh"
chart=$ROLLOUTD_SOURCE_DIR/charts/rolloutd
deploy=$ROLLOUTD_SOURCE_DIR/deploy
helm=$("$ROLLOUTD_SOURCE_DIR/scripts/lib/build-helm.sh")
[[ -x $helm ]] || fail "no helm binary"
log "$("$helm" version --short)"

cmp -s "$ROLLOUTD_SOURCE_DIR/crds/rolloutpolicies.rolloutd.io.yaml" "$chart/crds/rolloutpolicies.rolloutd.io.yaml" ||
  fail "charts/rolloutd/crds/ differs from crds/ (cp crds/rolloutpolicies.rolloutd.io.yaml charts/rolloutd/crds/)"
version=$(sed -n 's/^project(rolloutd VERSION \([0-9.]*\).*/\1/p' "$ROLLOUTD_SOURCE_DIR/CMakeLists.txt")
grep -q "^version: $version\$" "$chart/Chart.yaml" || fail "Chart.yaml version is not the project version $version"
grep -q "^appVersion: \"$version\"\$" "$chart/Chart.yaml" || fail "Chart.yaml appVersion is not the project version $version"

id=$(printf '%04x' $((RANDOM % 65536)))
ns=t-helm-$id
release=$ns-rolloutd # contains the chart name, so every object is named after the release
work=$(mktemp -d)
cleanup() {
  "$helm" uninstall "$release" -n "$ns" --wait=false >/dev/null 2>&1 || true
  kubectl delete namespace "$ns" "$ns-scoped" --ignore-not-found --wait=false >/dev/null 2>&1 || true
  kubectl delete clusterrole,clusterrolebinding -l "app.kubernetes.io/instance=$release" --ignore-not-found >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
kubectl create namespace "$ns" >/dev/null
kubectl create namespace "$ns-scoped" >/dev/null
kubectl apply --server-side --force-conflicts -f "$ROLLOUTD_SOURCE_DIR/crds/rolloutpolicies.rolloutd.io.yaml" >/dev/null
# The Prometheus Operator's kinds (its CRDs, or the tests' stand-ins; see test_deploy_manifests.sh).
for crd in servicemonitors prometheusrules; do
  kubectl get crd "$crd.monitoring.coreos.com" >/dev/null 2>&1 ||
    kubectl apply --server-side -f "$ROLLOUTD_SOURCE_DIR/test/e2e/fixtures/monitoring-crds.yaml" >/dev/null
done
kubectl wait --for=condition=Established crd/servicemonitors.monitoring.coreos.com crd/prometheusrules.monitoring.coreos.com --timeout=60s >/dev/null

log "helm lint"
"$helm" lint --strict "$chart" >"$work/lint.log" 2>&1 || { cat "$work/lint.log" >&2; fail "helm lint (defaults)"; }
"$helm" lint --strict "$chart" --set namespaceScoped=true >"$work/lint.log" 2>&1 ||
  { cat "$work/lint.log" >&2; fail "helm lint (namespaceScoped)"; }
if "$helm" template x "$chart" --set leaderElection.enabled=false >/dev/null 2>&1; then
  fail "2 replicas without leader election rendered"
fi
if "$helm" template x "$chart" --set log.format=yaml >/dev/null 2>&1; then
  fail "values.schema.json let an unknown log format through"
fi

log "helm template | kubectl apply --dry-run=server, default and namespace-scoped"
"$helm" template "$release" "$chart" -n "$ns" >"$work/default.yaml"
"$helm" template "$release" "$chart" -n "$ns-scoped" --set namespaceScoped=true >"$work/scoped.yaml"
kubectl apply --dry-run=server -f "$work/default.yaml" >/dev/null || fail "the default rendering is refused"
kubectl apply --dry-run=server -f "$work/scoped.yaml" >/dev/null || fail "the namespace-scoped rendering is refused"
if grep -q '^kind: \(ClusterRole\|ClusterRoleBinding\|Namespace\)$' "$work/scoped.yaml"; then
  fail "the namespace-scoped rendering has cluster-scoped objects"
fi
grep -q -- '- --namespace=$(POD_NAMESPACE)' "$work/scoped.yaml" || fail "namespace-scoped does not watch only its namespace"

# The ServiceMonitor needs the Prometheus Operator's CRDs, which the local cluster has not: it is
# linted and checked to select the metrics Service.
"$helm" lint --strict "$chart" --set serviceMonitor.enabled=true >"$work/lint.log" 2>&1 ||
  { cat "$work/lint.log" >&2; fail "helm lint (serviceMonitor)"; }
"$helm" template "$release" "$chart" -n "$ns" --set serviceMonitor.enabled=true >"$work/monitor.yaml"
monitor_selector=$(awk '/^kind: ServiceMonitor$/,0' "$work/monitor.yaml" | sed -n '/matchLabels:/,/namespaceSelector/p' | grep ': ' | sort)
service_labels=$(awk '/^kind: Service$/,/^spec:/' "$work/monitor.yaml" | sed -n '/labels:/,/^spec:/p' | grep ': ' | sed 's/^ */      /' | sort)
[[ -n $monitor_selector ]] || fail "no ServiceMonitor rendered"
while read -r label; do
  grep -qF -- "$label" <<<"$service_labels" || fail "the ServiceMonitor selects $label, which the metrics Service lacks"
done <<<"$monitor_selector"
if "$helm" template x "$chart" --set serviceMonitor.enabled=true --set metrics.service.enabled=false >/dev/null 2>&1; then
  fail "a ServiceMonitor without the metrics Service rendered"
fi

log "with every monitoring object: applies (server-side dry run), and the dashboard is deploy/monitoring's"
"$helm" template "$release" "$chart" -n "$ns" --set serviceMonitor.enabled=true --set prometheusRule.enabled=true \
  --set dashboard.enabled=true >"$work/monitoring.yaml"
for kind in ServiceMonitor PrometheusRule ConfigMap; do
  grep -q "^kind: $kind\$" "$work/monitoring.yaml" || fail "no $kind rendered"
done
kubectl apply --dry-run=server -f "$work/monitoring.yaml" >/dev/null 2>"$work/monitoring.err" ||
  { cat "$work/monitoring.err" >&2; fail "the monitoring rendering is refused"; }
# (The chart's block scalar drops the file's final newline.)
dashboard=$(kubectl apply --dry-run=server -f "$work/monitoring.yaml" -o jsonpath='{range .items[?(@.kind=="ConfigMap")]}{.data.rolloutd\.json}{end}' 2>/dev/null)
[[ -n $dashboard && $dashboard == "$(<"$deploy/monitoring/grafana-dashboard.json")" ]] ||
  fail "the chart's dashboard is not deploy/monitoring/grafana-dashboard.json"

log "the chart's defaults are deploy/"
# normalize FILE: the same objects as kustomize prints them (keys sorted, block style), so two
# renderings of the same rules are the same text.
normalize() {
  local dir
  dir=$(mktemp -d -p "$work")
  cp "$1" "$dir/objects.yaml"
  printf 'resources: [objects.yaml]\n' >"$dir/kustomization.yaml"
  kubectl kustomize "$dir"
}
# rules_of KIND NAME: the rules: block of that object in a normalized rendering on stdin.
rules_of() {
  awk -v want_kind="kind: $1" -v want_name="  name: $2" '
    function flush() { if (k && n) printf "%s", rules; k = n = r = 0; rules = "" }
    /^---$/ { flush(); next }
    $0 == want_kind { k = 1 }
    $0 == want_name { n = 1 }
    /^[a-z]/ { r = ($0 == "rules:") }
    r { rules = rules $0 "\n" }
    END { flush() }'
}
# compare LABEL A B: fails when they differ or are empty.
compare() {
  [[ -n $2 && $2 == "$3" ]] || fail "$1 differs from deploy/: $(diff <(echo "$2") <(echo "$3") | head -20)"
}
# deploy/, moved to the test's namespace (which exists, so the server-side dry run can judge it).
overlay=$(mktemp -d -p "$ROLLOUTD_SOURCE_DIR/build" helm-overlay.XXXX 2>/dev/null || mktemp -d -p "$deploy/..")
printf 'resources: [%s]\nnamespace: %s\n' "$(realpath --relative-to="$overlay" "$deploy")" "$ns" >"$overlay/kustomization.yaml"
kubectl kustomize "$overlay" >"$work/deploy.yaml"
rm -rf "$overlay"
normalize "$work/default.yaml" >"$work/default.norm.yaml"
normalize "$work/scoped.yaml" >"$work/scoped.norm.yaml"
compare "ClusterRole rules" "$(rules_of ClusterRole rolloutd <"$work/deploy.yaml")" \
  "$(rules_of ClusterRole "$release" <"$work/default.norm.yaml")"
compare "leader-election Role rules" "$(rules_of Role rolloutd-leader-election <"$work/deploy.yaml")" \
  "$(rules_of Role "$release-leader-election" <"$work/default.norm.yaml")"
compare "namespace-scoped Role rules" "$(rules_of ClusterRole rolloutd <"$work/deploy.yaml")" \
  "$(rules_of Role "$release" <"$work/scoped.norm.yaml")"
# The Deployment as the API server would store it (defaults filled in), field by field: one
# server-side dry run per rendering prints every field on a line of its own.
pod=.spec.template.spec
fields=(.spec.replicas .spec.strategy $pod.securityContext $pod.terminationGracePeriodSeconds
  $pod.containers[0].securityContext $pod.containers[0].args $pod.containers[0].env $pod.containers[0].ports
  $pod.containers[0].livenessProbe $pod.containers[0].readinessProbe $pod.containers[0].resources
  $pod.containers[0].image)
template=$(printf '{%s}{"\\n"}' "${fields[@]}")
deployment_fields() {  # FILE
  kubectl apply --dry-run=server -f "$1" -o jsonpath="{range .items[?(@.kind==\"Deployment\")]}$template{end}" 2>"$work/dry-run.err"
}
mapfile -t from_deploy < <(deployment_fields "$work/deploy.yaml")
mapfile -t from_chart < <(deployment_fields "$work/default.yaml")
((${#from_deploy[@]} == ${#fields[@]})) || fail "deploy/ renders ${#from_deploy[@]} Deployment fields, want ${#fields[@]}"
for i in "${!fields[@]}"; do
  compare "Deployment ${fields[$i]}" "${from_deploy[$i]}" "${from_chart[$i]}"
done

log "helm install, upgrade, uninstall"
"$helm" install "$release" "$chart" -n "$ns" --skip-crds --wait --timeout 120s >"$work/install.log" 2>&1 ||
  { cat "$work/install.log" >&2; fail "helm install"; }
d() { kubectl -n "$ns" get deployment "$release" -o jsonpath="{$1}"; }
[[ $(d .status.readyReplicas) == 2 ]] || fail "after install: $(d .status.readyReplicas) ready replicas"
"$helm" upgrade "$release" "$chart" -n "$ns" --reuse-values --set replicas=3 --set log.level=debug --wait --timeout 120s \
  >"$work/upgrade.log" 2>&1 || { cat "$work/upgrade.log" >&2; fail "helm upgrade"; }
kubectl -n "$ns" rollout status deployment "$release" --timeout=120s >/dev/null || fail "the upgrade did not roll out"
[[ $(d .status.readyReplicas) == 3 && $(d .status.updatedReplicas) == 3 ]] || fail "after upgrade: $(d .status.readyReplicas) ready"
[[ $(d "$pod.containers[0].args") == *--log-level=debug* ]] || fail "upgrade did not change the log level"
"$helm" uninstall "$release" -n "$ns" --wait --timeout 60s >/dev/null || fail "helm uninstall"
[[ -z $(kubectl get clusterrole,clusterrolebinding -l "app.kubernetes.io/instance=$release" -o name) ]] ||
  fail "helm uninstall left cluster-wide RBAC behind"
kubectl get crd rolloutpolicies.rolloutd.io >/dev/null || fail "helm uninstall removed the CRD"
log "PASS"
