#!/usr/bin/env bash
# rolloutd's metrics as a real Prometheus sees them. The test starts Debian's prometheus on a
# loopback port with its own storage, scraping a rolloutd it starts itself every second, and runs
# rollouts of each strategy this build serves (rolling update always; a canary held at a pause step
# and a blue/green waiting for promotion once those strategies are served). Then, reading the files
# themselves (so a panel or an alert added later is checked too):
#   - every alert of deploy/monitoring/prometheus-rule.yaml fires when its condition is produced
#     for real: a release whose pods never become Ready, with a short progressDeadlineSeconds and
#     progressDeadlineAbort (past the deadline, and aborted), and a ResourceQuota that forbids
#     ReplicaSets, so creating one fails and reconciles fail;
#   - every PromQL expression of deploy/monitoring/grafana-dashboard.json and of the rules, with the
#     template variables substituted, returns data through the HTTP API, and each template
#     variable's query lists the test's namespace and policies;
#   - a deleted policy's series leave /metrics and Prometheus;
#   - with --leader-elect, exactly one of two instances reports rolloutd_leader 1, both answer
#     /readyz (a standby is ready once it sees the leader), and the standby takes over;
#   - the chart's copies of the two files (charts/rolloutd/monitoring/) are the same bytes.
# The availability checker (test/tools) watches the rolling policy's Service throughout: its
# available endpoints never drop below replicas - maxUnavailable.
scenario=prometheus
source "$(dirname "$0")/lib.sh"
ROLLOUTD_BIN_DIR=${ROLLOUTD_BIN_DIR:-$ROLLOUTD_SOURCE_DIR/build/controller}
monitoring=$ROLLOUTD_SOURCE_DIR/deploy/monitoring
check=(/usr/bin/python3 "$ROLLOUTD_SOURCE_DIR/test/e2e/promql_check.py")
command -v prometheus >/dev/null || fail "prometheus is not installed (scripts/install-deps installs it)"
# The chart ships the same files (Helm reads only files inside the chart).
for f in grafana-dashboard.json prometheus-rule.yaml; do
  cmp -s "$monitoring/$f" "$ROLLOUTD_SOURCE_DIR/charts/rolloutd/monitoring/$f" ||
    fail "charts/rolloutd/monitoring/$f differs from deploy/monitoring/$f (copy it over)"
done
new_namespace t-metrics-prometheus

kubectl apply --server-side --force-conflicts -f "$ROLLOUTD_SOURCE_DIR/crds/rolloutpolicies.rolloutd.io.yaml" >/dev/null
kubectl wait --for=condition=Established crd/rolloutpolicies.rolloutd.io --timeout=60s >/dev/null

work=$(mktemp -d)
free_port() { /usr/bin/python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
metrics_port=$(free_port)
metrics_url=http://127.0.0.1:$metrics_port
"$ROLLOUTD_BIN_DIR/rolloutd" --kubeconfig "$KUBECONFIG" --namespace "$ns" --metrics-addr "127.0.0.1:$metrics_port" \
  --log-level debug >"$work/rolloutd.log" 2>&1 &
controller_pid=$!
prometheus_pid=
checker_pid=
cleanup() {
  for pid in $checker_pid $prometheus_pid $controller_pid; do kill "$pid" 2>/dev/null || true; done
  for pid in $prometheus_pid $controller_pid; do wait "$pid" 2>/dev/null || true; done
  kubectl delete namespace "$ns" --ignore-not-found --wait=false >/dev/null 2>&1 || true
  if [[ ${keep_work:-} == 1 ]]; then log "logs kept in $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT
trap 'keep_work=1; tail -30 "$work/rolloutd.log" >&2' ERR
wait_until 60 "rolloutd /readyz" curl -fsS "$metrics_url/readyz"
curl -fsS "$metrics_url/healthz" | grep -qx ok || fail "/healthz did not answer ok"

log "prometheus: scraping rolloutd every second, rules evaluated every second"
"${check[@]}" rules "$monitoring/prometheus-rule.yaml" "$work/rules.yml" --max-for 2s
promtool check rules "$work/rules.yml" >/dev/null || fail "promtool rejects the rules"
cat >"$work/prometheus.yml" <<YAML
global: {scrape_interval: 1s, evaluation_interval: 1s}
rule_files: [$work/rules.yml]
scrape_configs:
  - job_name: rolloutd
    honor_labels: true  # the policies' namespace label is rolloutd's, not a target label
    static_configs: [{targets: ["127.0.0.1:$metrics_port"]}]
YAML
prometheus_port=$(free_port)
prom=http://127.0.0.1:$prometheus_port
prometheus --config.file="$work/prometheus.yml" --storage.tsdb.path="$work/tsdb" \
  --web.listen-address="127.0.0.1:$prometheus_port" --log.level=warn >"$work/prometheus.log" 2>&1 &
prometheus_pid=$!
wait_until 60 "prometheus ready" curl -fsS "$prom/-/ready"
# instant QUERY: the result vector as JSON
promql() { curl -fsS --get "$prom/api/v1/query" --data-urlencode "query=$1" | jq -c '.data.result'; }
has_result() { [[ $(promql "$1" | jq length) -gt 0 ]]; }
# value_is EXPR WANT: the single sample of EXPR equals WANT (numerically)
value_is() { [[ $(promql "$1" | jq -r 'if length == 1 then .[0].value[1] | tonumber else "none" end') == "$2" ]]; }
expect_value() { wait_until 15 "$1 == $2 in Prometheus" value_is "$1" "$2"; }
wait_until 60 "rolloutd scraped (up == 1)" has_result 'up{job="rolloutd"} == 1'

# policy NAME IMAGE STRATEGY_YAML [ANNOTATIONS] [EXTRA_SPEC]: applies a RolloutPolicy of 3 replicas
# (`app: NAME`) whose pods become Ready 1 s after they start.
policy() {
  local name=$1 image=$2 strategy=$3 annotations=${4:-} extra=${5:-}
  k apply -f - >/dev/null <<YAML
apiVersion: rolloutd.io/v1alpha1
kind: RolloutPolicy
metadata: {name: $name}
spec:
  replicas: 3
  selector: {matchLabels: {app: $name}}
  strategy: $strategy
  $extra
  template:
    metadata:
      labels: {app: $name}
      annotations: {kwok.rolloutd.io/ready-delay: "1s"$annotations}
    spec:
      containers: [{name: hello, image: "kelseyhightower/hello:$image", ports: [{name: http, containerPort: 80}]}]
YAML
}
service() {  # NAME APP: a Service selecting app=APP
  k apply -f - >/dev/null <<YAML
apiVersion: v1
kind: Service
metadata: {name: $1}
spec:
  selector: {app: $2}
  ports: [{name: http, port: 80, targetPort: http}]
YAML
}
field() { k get rp "$1" -o jsonpath="{$2}"; }
phase_is() { [[ $(field "$1" .status.phase) == "$2" && $(field "$1" .status.observedGeneration) == $(field "$1" .metadata.generation) ]]; }
healthy_on() {  # NAME IMAGE
  phase_is "$1" Healthy && [[ $(field "$1" .status.updatedReplicas) == 3 && $(field "$1" .status.availableReplicas) == 3 &&
    $(k get pods -l "app=$1" -o jsonpath='{.items[*].spec.containers[0].image}' | tr ' ' '\n' | sort -u) == "kelseyhightower/hello:$2" ]]
}
unsupported() { [[ $(field "$1" '.status.conditions[?(@.type=="InvalidSpec")].reason') == UnsupportedStrategy ]]; }
settled() { phase_is "$1" Healthy || unsupported "$1"; }
policies=()

log "rolling update: web 1.0.0 -> 2.0.0 behind its Service, with the availability checker"
service web web
policy web 1.0.0 '{rollingUpdate: {maxSurge: 1, maxUnavailable: 1}}'
policies+=(web)
wait_until 120 "web Healthy on 1.0.0" healthy_on web 1.0.0
start_checker web "$work/dips" --interval-ms 100 --min 2  # replicas 3 - maxUnavailable 1
policy web 2.0.0 '{rollingUpdate: {maxSurge: 1, maxUnavailable: 1}}'
wait_until 180 "web Healthy on 2.0.0" healthy_on web 2.0.0
w="namespace=\"$ns\", name=\"web\""
expect_value "rolloutd_policy_revision{$w}" 2
expect_value "rolloutd_policy_replicas{$w, state=\"available\"}" 3
expect_value "rolloutd_policy_revision_replicas{$w, role=\"new\", state=\"available\"}" 3
expect_value "rolloutd_policy_info{$w, strategy=\"rollingUpdate\", phase=\"Healthy\"}" 1
has_result 'rolloutd_rollout_duration_seconds_count{strategy="rollingUpdate", outcome="healthy"} >= 2' ||
  fail "web's two rollouts (create, 1.0.0 -> 2.0.0) not in the duration histogram"

# Canary and blue/green are checked when this build serves them (a build that does not answers
# InvalidSpec/UnsupportedStrategy): each is left mid-rollout, where its series are most telling.
may_be_empty=()
log "canary: web-canary 1.0.0 -> 2.0.0, held at a pause step after setWeight 25"
service web-canary web-canary
canary='{canary: {maxSurge: 1, maxUnavailable: 0, steps: [{setWeight: 25}, {pause: {}}, {setWeight: 100}]}}'
policy web-canary 1.0.0 "$canary"
policies+=(web-canary)
wait_until 120 "web-canary Healthy or refused as unsupported" settled web-canary
if unsupported web-canary; then
  log "SKIP canary rollout: this build does not serve the canary strategy"
  may_be_empty+=(--may-be-empty 'kind="actual"::canary strategy not served by this build')
else
  policy web-canary 2.0.0 "$canary"
  at_pause() { [[ $(field web-canary .status.currentStepIndex) == 1 && $(field web-canary .status.canaryWeight) -gt 0 ]]; }
  wait_until 180 "web-canary paused at step 1 with canary weight > 0" at_pause
  c="namespace=\"$ns\", name=\"web-canary\""
  expect_value "rolloutd_policy_step{$c}" 1
  expect_value "rolloutd_policy_steps{$c}" 3
  expect_value "rolloutd_policy_canary_weight{$c, kind=\"set\"}" 25
  expect_value "rolloutd_policy_canary_weight{$c, kind=\"actual\"}" "$(field web-canary .status.canaryWeight)"
  expect_value "rolloutd_policy_paused{$c}" 1
  has_result "rolloutd_policy_revision_replicas{$c, role=\"canary\", state=\"available\"} > 0" || fail "no available canary"
  has_result "rolloutd_policy_revision_replicas{$c, role=\"stable\", state=\"available\"} > 0" || fail "no available stable"
fi

log "blue/green: web-bg 1.0.0 -> 2.0.0, waiting for promotion with the preview up"
service web-bg-active web-bg
service web-bg-preview web-bg
bluegreen='{blueGreen: {activeService: web-bg-active, previewService: web-bg-preview, autoPromotionEnabled: false}}'
policy web-bg 1.0.0 "$bluegreen"
policies+=(web-bg)
wait_until 120 "web-bg Healthy or refused as unsupported" settled web-bg
if unsupported web-bg; then
  log "SKIP blue/green rollout: this build does not serve the blueGreen strategy"
  may_be_empty+=(--may-be-empty 'role=~"active\|preview"::blueGreen strategy not served by this build')
else
  policy web-bg 2.0.0 "$bluegreen"
  preview_up() {
    [[ -n $(field web-bg .status.previewSelector) && $(field web-bg .status.previewSelector) != $(field web-bg .status.activeSelector) ]] &&
      has_result "rolloutd_policy_revision_replicas{namespace=\"$ns\", name=\"web-bg\", role=\"preview\", state=\"available\"} > 0"
  }
  wait_until 180 "web-bg preview available, active unchanged" preview_up
  expect_value "rolloutd_policy_revision_replicas{namespace=\"$ns\", name=\"web-bg\", role=\"active\", state=\"available\"}" 3
  expect_value "rolloutd_policy_info{namespace=\"$ns\", name=\"web-bg\", strategy=\"blueGreen\", phase=\"Paused\"}" 1
fi

alert_firing() {  # ALERT [LABEL=VALUE]: the alert is firing (with that label, if given)
  curl -fsS "$prom/api/v1/alerts" |
    jq -e --arg a "$1" --arg kv "${2:-}" '.data.alerts[] | select(.labels.alertname == $a and .state == "firing")
      | select($kv == "" or .labels[($kv | split("=")[0])] == ($kv | split("=")[1]))' >/dev/null
}

log "a release that never becomes Ready: past its 5 s progress deadline, then aborted"
rolling='{rollingUpdate: {maxSurge: 1, maxUnavailable: 0}}'
policy stuck 1.0.0 "$rolling" '' 'progressDeadlineSeconds: 5
  progressDeadlineAbort: true'
policies+=(stuck)
wait_until 120 "stuck Healthy on 1.0.0" healthy_on stuck 1.0.0
policy stuck 2.0.0 "$rolling" ', kwok.rolloutd.io/never-ready: "true"' 'progressDeadlineSeconds: 5
  progressDeadlineAbort: true'
stuck_aborted() { [[ $(field stuck .status.abort) == true ]]; }
wait_until 90 "stuck aborted" stuck_aborted
wait_until 60 "alert RolloutProgressDeadlineExceeded firing for stuck" alert_firing RolloutProgressDeadlineExceeded name=stuck
wait_until 60 "alert RolloutAborted firing for stuck" alert_firing RolloutAborted name=stuck
alert_firing RolloutAborted name=web && fail "RolloutAborted fires for the healthy web"

log "a ResourceQuota forbids ReplicaSets: web 3.0.0 cannot create its ReplicaSet, reconciles fail"
errors_before=$(curl -fsS "$metrics_url/metrics" | awk '$1 == "rolloutd_reconcile_errors_total" {print $2}')
k apply -f - >/dev/null <<'YAML'
apiVersion: v1
kind: ResourceQuota
metadata: {name: no-replicasets}
spec: {hard: {count/replicasets.apps: "0"}}
YAML
# Admission enforces a quota by its status. The local control plane runs no resource-quota
# controller to compute it, so the test writes the status that controller would (the ReplicaSets in
# use, against a limit of 0); where a controller runs, it recomputes the same.
if [[ -z $(k get resourcequota no-replicasets -o jsonpath='{.status.hard}') ]]; then
  used=$(k get rs --no-headers 2>/dev/null | grep -c . || true)
  k patch resourcequota no-replicasets --subresource=status --type=merge \
    -p "{\"status\": {\"hard\": {\"count/replicasets.apps\": \"0\"}, \"used\": {\"count/replicasets.apps\": \"$used\"}}}" >/dev/null
fi
policy web 3.0.0 '{rollingUpdate: {maxSurge: 1, maxUnavailable: 1}}'
errors_grew() {
  local now
  now=$(curl -fsS "$metrics_url/metrics" | awk '$1 == "rolloutd_reconcile_errors_total" {print $2}')
  awk -v a="$now" -v b="$errors_before" 'BEGIN {exit !(a > b)}'
}
wait_until 60 "rolloutd_reconcile_errors_total to grow" errors_grew
wait_until 30 "403 on CREATE replicasets counted" has_result \
  "rolloutd_api_requests_total{verb=\"CREATE\", resource=\"replicasets\", code=\"403\"} > 0"
wait_until 60 "alert RolloutdReconcileErrors firing" alert_firing RolloutdReconcileErrors
stop_checker "$work/dips"  # web was served throughout: its rollout, the others', the refused 3.0.0

log "every dashboard and alert expression returns data"
policy_regex="($(IFS='|'; echo "${policies[*]}"))"
"${check[@]}" check "$prom" "$monitoring/grafana-dashboard.json" "$monitoring/prometheus-rule.yaml" \
  --var "namespace=$ns" --var "policy=$policy_regex" "${may_be_empty[@]}" || fail "dashboard or alert expressions without data"

log "a deleted policy's series disappear from /metrics and from Prometheus"
series_of() { curl -fsS "$metrics_url/metrics" | grep -c "namespace=\"$ns\",name=\"$1\"\|name=\"$1\",namespace=\"$ns\"" || true; }
(($(series_of stuck) > 0)) || fail "no series of stuck before its deletion"
k delete rp stuck --wait=true >/dev/null
gone_from_metrics() { (($(series_of stuck) == 0)); }
wait_until 30 "stuck's series gone from /metrics" gone_from_metrics
(($(series_of web) > 0)) || fail "web's series went with stuck's"
gone_from_prometheus() { ! has_result "{namespace=\"$ns\", name=\"stuck\"}"; }
wait_until 30 "stuck's series stale in Prometheus" gone_from_prometheus

curl -fsS "$metrics_url/readyz" | grep -qx ok || fail "/readyz not ok at the end"
kill -TERM "$controller_pid"
rc=0
wait "$controller_pid" || rc=$?
[[ $rc == 0 ]] || fail "rolloutd exited $rc on SIGTERM"

log "leader election: one of two instances leads (rolloutd_leader 1), the standby is ready too and takes over"
declare -A elected_port=()
for who in a b; do
  elected_port[$who]=$(free_port)
  "$ROLLOUTD_BIN_DIR/rolloutd" --kubeconfig "$KUBECONFIG" --namespace "$ns" --leader-elect \
    --leader-election-namespace "$ns" --metrics-addr "127.0.0.1:${elected_port[$who]}" >"$work/rolloutd-$who.log" 2>&1 &
  eval "pid_$who=$!"
done
controller_pid="$pid_a $pid_b"  # for cleanup
leader_of() { curl -fsS "http://127.0.0.1:${elected_port[$1]}/metrics" | awk '$1 == "rolloutd_leader" {print $2}'; }
one_leads() { [[ "$(leader_of a)$(leader_of b)" == 10 || "$(leader_of a)$(leader_of b)" == 01 ]]; }
wait_until 60 "exactly one instance leading" one_leads
both_ready() { curl -fsS "http://127.0.0.1:${elected_port[a]}/readyz" && curl -fsS "http://127.0.0.1:${elected_port[b]}/readyz"; }
wait_until 60 "leader and standby both ready" both_ready
if [[ $(leader_of a) == 1 ]]; then leader=a standby=b; else leader=b standby=a; fi
log "$leader leads, $standby stands by; stopping $leader"
eval "kill -TERM \$pid_$leader; wait \$pid_$leader" || fail "the leader did not exit cleanly"
standby_leads() { [[ $(leader_of $standby) == 1 ]]; }
wait_until 60 "$standby taking over" standby_leads
eval "kill -TERM \$pid_$standby; wait \$pid_$standby" || fail "the new leader did not exit cleanly"
controller_pid=

if grep -q 'AddressSanitizer\|runtime error' "$work"/rolloutd*.log; then
  keep_work=1
  fail "sanitizer errors in a controller log"
fi
log "PASS"
