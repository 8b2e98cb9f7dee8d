#!/usr/bin/env bash
# Every `kubectl rp` command against the local control plane, run the way users run it (through
# kubectl's plugin lookup on PATH, with rolloutd driving a rolling-update policy), checking both its
# exit code and its effect on the cluster: version/help/completion; list/get/history output; status
# exiting 0 when Healthy, 1 on timeout and 1 when Degraded (progressDeadlineAbort, InvalidSpec); set
# image, pause/resume, undo (to the previous and to a named revision), restart; a canary promoted,
# aborted (status exits 1), retried and fully promoted; promote/abort/retry writing
# status.operation exactly; get --watch and status --watch as a pipe and on a terminal; and clear
# errors with a non-zero exit for a missing policy, a forbidden request, an unreachable server and a
# usage error. An availability checker watches the Service while rollouts run.
scenario=kubectl-rp
source "$(dirname "$0")/lib.sh"
ROLLOUTD_BIN_DIR=${ROLLOUTD_BIN_DIR:-$ROLLOUTD_SOURCE_DIR/build/controller}
new_namespace t-kubectl-rp

kubectl apply --server-side --force-conflicts -f "$ROLLOUTD_SOURCE_DIR/crds/rolloutpolicies.rolloutd.io.yaml" >/dev/null
kubectl wait --for=condition=Established crd/rolloutpolicies.rolloutd.io --timeout=60s >/dev/null

work=$(mktemp -d)
controller_log=$work/rolloutd.log
# kubectl finds plugins on PATH by name: kubectl-rp answers `kubectl rp`.
mkdir "$work/bin"
ln -s "$ROLLOUTD_BIN_DIR/kubectl-rp" "$work/bin/kubectl-rp"
# ... and kubectl_complete-rp answers kubectl's completion of `kubectl rp`.
ln -s "$ROLLOUTD_BIN_DIR/kubectl_complete-rp" "$work/bin/kubectl_complete-rp"
export PATH=$work/bin:$PATH
start_rolloutd "$controller_log" --namespace "$ns" --metrics-addr 127.0.0.1:0 --log-level debug
checker_pid=
watch_pid=
cleanup() {
  for pid in $checker_pid $watch_pid; do kill "$pid" 2>/dev/null || true; done
  kill "$controller_pid" 2>/dev/null || true
  wait "$controller_pid" 2>/dev/null || true
  kubectl delete namespace "$ns" --ignore-not-found --wait=false >/dev/null 2>&1 || true
  if [[ ${keep_log:-} == 1 ]]; then log "logs kept in $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT
trap 'keep_log=1; tail -20 "$controller_log" >&2' ERR

out=$work/out err=$work/err
# run WANT_RC COMMAND...: runs `kubectl rp COMMAND...` in the namespace; fails unless it exits WANT_RC.
run() {
  local want=$1 rc=0
  shift
  kubectl rp -n "$ns" "$@" >"$out" 2>"$err" || rc=$?
  ((rc == want)) || fail "kubectl rp $* exited $rc, expected $want; stdout: $(head -c 600 "$out"); stderr: $(head -c 600 "$err")"
}
out_has() { grep -qF -- "$1" "$out" || fail "stdout of the last command lacks '$1': $(head -c 800 "$out")"; }
out_matches() { grep -Eq -- "$1" "$out" || fail "stdout of the last command has no line matching '$1': $(head -c 800 "$out")"; }
err_has() { grep -qF -- "$1" "$err" || fail "stderr of the last command lacks '$1': $(head -c 800 "$err")"; }
field() { k get rp "${2:-hello}" -o jsonpath="{$1}"; }
pod_images() { k get pods -l app=hello -o jsonpath='{range .items[*]}{.spec.containers[0].image}{"\n"}{end}' | sort -u; }

log "version, help on every command, completion, usage errors (no cluster needed)"
run 0 version
[[ $(<"$out") =~ ^kubectl-rp\ [0-9]+\.[0-9]+\.[0-9]+$ ]] || fail "version printed $(<"$out")"
for command in get list status promote abort retry pause resume restart "set image" undo history version completion; do
  # shellcheck disable=SC2086 # "set image" is two words
  run 0 $command --help
  out_has "Usage: kubectl rp $command"
done
run 0 completion bash
bash -n "$out" || fail "the bash completion script does not parse"
run 0 completion zsh
out_has "compdef _kubectl_rp kubectl-rp"
run 2 completion fish
run 2 get
err_has "the name of a RolloutPolicy is required"
run 2 frobnicate hello
run 2 status hello --timeout=soon

log "errors: a missing policy, an empty namespace, an unreachable server"
run 1 get nope
err_has 'Error from server (NotFound): rolloutpolicies.rolloutd.io "nope" not found'
run 1 status nope
err_has "not found"
run 1 promote nope
err_has "not found"
rc=0
kubectl rp -n "$ns-empty" list >"$out" 2>"$err" || rc=$?
((rc == 0)) || fail "list of an empty namespace exited $rc"
err_has "No resources found in $ns-empty namespace."
sed -E 's#server: .*#server: https://127.0.0.1:1#' "$KUBECONFIG" >"$work/unreachable.kubeconfig"
rc=0
kubectl-rp --kubeconfig "$work/unreachable.kubeconfig" -n "$ns" list >"$out" 2>"$err" || rc=$?
((rc == 1)) || fail "list against an unreachable server exited $rc"
err_has "cannot reach the API server at https://127.0.0.1:1"

log "forbidden: a ServiceAccount that may read but not steer"
k create serviceaccount viewer >/dev/null
k create role rp-viewer --verb=get,list,watch --resource=rolloutpolicies.rolloutd.io,replicasets.apps,pods >/dev/null
k create rolebinding rp-viewer --role=rp-viewer --serviceaccount="$ns:viewer" >/dev/null
cat >"$work/viewer.kubeconfig" <<EOF
apiVersion: v1
kind: Config
clusters:
- name: local
  cluster:
    server: $(kubectl config view --minify -o jsonpath='{.clusters[0].cluster.server}')
    certificate-authority-data: $(kubectl config view --raw --minify -o jsonpath='{.clusters[0].cluster.certificate-authority-data}')
users:
- name: viewer
  user: {token: $(k create token viewer --duration=1h)}
contexts:
- name: viewer
  context: {cluster: local, user: viewer, namespace: $ns}
current-context: viewer
EOF
viewer() {
  local want=$1 rc=0
  shift
  kubectl rp --kubeconfig "$work/viewer.kubeconfig" "$@" >"$out" 2>"$err" || rc=$?
  ((rc == want)) || fail "viewer: kubectl rp $* exited $rc, expected $want: $(head -c 600 "$err")"
}
viewer 1 list -A
err_has "Error from server (Forbidden)"
viewer 0 list  # the context's namespace, where the Role allows it

log "create hello (3 replicas); status waits for Healthy and exits 0"
k apply -f - >/dev/null <<'YAML'
apiVersion: v1
kind: Service
metadata: {name: hello}
spec:
  selector: {app: hello}
  ports: [{name: http, port: 80, targetPort: http}]
YAML
k apply -f - >/dev/null <<'YAML'
apiVersion: rolloutd.io/v1alpha1
kind: RolloutPolicy
metadata: {name: hello}
spec:
  replicas: 3
  selector: {matchLabels: {app: hello}}
  strategy: {rollingUpdate: {maxSurge: 1, maxUnavailable: 1}}
  template:
    metadata:
      labels: {app: hello}
      annotations: {kwok.rolloutd.io/ready-delay: "1s", kubernetes.io/change-cause: "first release"}
    spec:
      containers: [{name: hello, image: "kelseyhightower/hello:1.0.0", ports: [{name: http, containerPort: 80}]}]
YAML
run 0 status hello --timeout=120s
out_has 'rollout "hello" successfully rolled out'
[[ $(field .status.phase) == Healthy ]] || fail "status exited 0 before the policy was Healthy"
# One line per change: never the same line twice in a row.
awk 'NR > 1 && $0 == prev { exit 1 } { prev = $0 }' "$out" || fail "status repeated a line: $(<"$out")"

viewer 1 promote hello
err_has "Error from server (Forbidden)"
err_has "rolloutpolicies/status"
[[ -z $(field .status.operation) ]] || fail "a forbidden promote changed the status"

log "kubectl completes kubectl rp: commands, flags, and policy names from the cluster"
completes() {  # WORDS...: what kubectl's completion offers after `kubectl rp WORDS`
  kubectl __complete rp "$@" 2>/dev/null
}
offers() {  # WORD WORDS...: whether WORD is among them (read whole: grep -q would cut the pipe short)
  local word=$1 answer
  shift
  answer=$(completes "$@")
  grep -qx -- "$word" <<<"$answer"
}
offers promote pro || fail "no 'promote' for 'kubectl rp pro<TAB>': $(completes pro | tr '\n' ' ')"
offers --full promote --f || fail "no '--full' for 'kubectl rp promote --f<TAB>': $(completes promote --f | tr '\n' ' ')"
offers hello -n "$ns" promote "" || fail "no policy name for 'kubectl rp -n $ns promote <TAB>': $(completes -n "$ns" promote "" | tr '\n' ' ')"
# Namespaces are offered to those who may list them (the RBAC scenario's users may not).
if kubectl auth can-i list namespaces >/dev/null 2>&1; then
  offers "$ns" status -n "${ns:0:3}" || fail "no namespace for 'kubectl rp status -n ${ns:0:3}<TAB>'"
fi
[[ $(completes -n "$ns" promote "" | tail -1) == :4 ]] || fail "completion does not end with Cobra's :4 (no file names)"
! offers hello -n "$ns" promote hello "" || fail "a second policy name offered"

log "list, get and history show what the cluster holds"
run 0 list
grep -Eq '^hello +RollingUpdate +Healthy +- +- +3 +3 +3 +3$' "$out" || fail "list row: $(<"$out")"
run 0 list -A
grep -Eq "^$ns +hello +RollingUpdate +Healthy" "$out" || fail "list -A row: $(<"$out")"
run 0 get hello
out_matches "^Phase: +Healthy$"
out_matches "^Strategy: +RollingUpdate$"
out_has "kelseyhightower/hello:1.0.0 (stable)"
out_has "# revision:1"
(($(grep -c ' Pod  *Running ' "$out") == 3)) || fail "get does not show 3 running pods: $(<"$out")"
for pod in $(k get pods -l app=hello -o name); do out_has "${pod#pod/}"; done
run 0 history hello
grep -Eq '^1 +first release +kelseyhightower/hello:1.0.0$' "$out" || fail "history: $(<"$out")"

# The availability checker (test/tools/availability_checker): while kubectl rp drives the rollouts
# below, the Service's ready endpoints never drop below replicas - maxUnavailable = 2.
dips=$work/dips
start_checker hello "$dips" --interval-ms 100 --min 2

log "set image: a rollout to 2.0.0 that status follows line by line"
run 1 set image hello nope=x:1
err_has 'unable to find container named "nope"'
run 0 set image hello hello=kelseyhightower/hello:2.0.0
out_has "rolloutpolicy.rolloutd.io/hello image updated"
[[ $(field '.spec.template.spec.containers[0].image') == kelseyhightower/hello:2.0.0 ]] || fail "image not set"
run 0 status hello --timeout=180s
out_has 'rollout "hello" successfully rolled out'
(($(wc -l <"$out") >= 2)) || fail "status printed no progress lines for a rollout: $(<"$out")"
[[ $(pod_images) == kelseyhightower/hello:2.0.0 ]] || fail "pods run $(pod_images)"
run 0 history hello
# The template's change-cause annotation came along unchanged: set image changes only the image.
grep -Eq '^2 +first release +kelseyhightower/hello:2.0.0$' "$out" || fail "history after set image: $(<"$out")"
run 0 history hello --revision=2
out_has "with revision #2"
out_matches "^ +Image: +kelseyhightower/hello:2.0.0$"
run 1 history hello --revision=9

log "pause: a paused rollout stops; status times out (exit 1); resume finishes it"
run 0 pause hello
out_has "rolloutpolicy.rolloutd.io/hello paused"
[[ $(field .spec.paused) == true ]] || fail "spec.paused not set"
run 1 pause hello
err_has "already paused"
run 1 restart hello
err_has "can't restart a paused rollout"
# A release that records why it was made in the template, as a GitOps change would.
k patch rp hello --type merge -p '{"spec":{"template":{"metadata":{"annotations":{"kubernetes.io/change-cause":"release 3.0.0"}},
  "spec":{"containers":[{"name":"hello","image":"kelseyhightower/hello:3.0.0","ports":[{"name":"http","containerPort":80}]}]}}}}' >/dev/null
paused_observed() { [[ $(field .status.phase) == Paused && $(field .status.observedGeneration) == $(field .metadata.generation) ]]; }
wait_until 60 "phase Paused for the new generation" paused_observed
run 0 status hello --watch=false
out_has "Paused (resume with: kubectl rp resume hello)"
started=$SECONDS
run 1 status hello --timeout=3s
err_has 'timed out waiting for rollout "hello" to finish'
((SECONDS - started < 30)) || fail "status --timeout=3s took $((SECONDS - started))s"
run 0 resume hello
out_has "rolloutpolicy.rolloutd.io/hello resumed"
[[ $(field .spec.paused) == false ]] || fail "spec.paused still set"
run 1 resume hello
err_has "not paused"
run 0 status hello --timeout=180s
[[ $(pod_images) == kelseyhightower/hello:3.0.0 ]] || fail "pods run $(pod_images)"

log "undo: back to the previous revision (2.0.0), then to revision 1 (1.0.0)"
run 0 undo hello
out_has "rolled back to revision 2"
[[ $(field '.spec.template.spec.containers[0].image') == kelseyhightower/hello:2.0.0 ]] || fail "undo did not copy revision 2"
[[ -z $(field '.spec.template.metadata.labels.rolloutd\.io/pod-template-hash') ]] || fail "undo copied the hash label"
run 0 status hello --timeout=180s
[[ $(pod_images) == kelseyhightower/hello:2.0.0 ]] || fail "pods run $(pod_images) after undo"
[[ $(field '.spec.template.metadata.annotations.kubernetes\.io/change-cause') == "first release" ]] ||
  fail "undo did not restore the template's annotations"
run 0 undo hello --to-revision=1
out_has "rolled back to revision 1"
run 0 status hello --timeout=180s
[[ $(pod_images) == kelseyhightower/hello:1.0.0 ]] || fail "pods run $(pod_images) after undo to 1"
run 0 undo hello --to-revision=5
out_has "skipped rollback (current template already matches revision 5)"
run 1 undo hello --to-revision=99
err_has "unable to find specified revision 99"
run 0 history hello
grep -Eq '^3 +release 3.0.0 +kelseyhightower/hello:3.0.0$' "$out" || fail "history lacks revision 3: $(<"$out")"
grep -Eq '^4 +first release +kelseyhightower/hello:2.0.0$' "$out" || fail "history lacks revision 4: $(<"$out")"
grep -Eq '^5 +first release +kelseyhightower/hello:1.0.0$' "$out" || fail "history lacks revision 5: $(<"$out")"
# As for a Deployment, the policy's own change-cause annotation is copied to the current revision
# (and overrides the template's); older revisions keep theirs.
k annotate rp hello kubernetes.io/change-cause="back to 1.0.0 after the 3.0.0 incident" >/dev/null
history_says_why() {
  kubectl rp -n "$ns" history hello >"$out" 2>"$err" &&
    grep -Eq '^5 +back to 1.0.0 after the 3.0.0 incident +kelseyhightower/hello:1.0.0$' "$out"
}
wait_until 30 "history to show the policy's change-cause on revision 5" history_says_why
grep -Eq '^3 +release 3.0.0 +kelseyhightower/hello:3.0.0$' "$out" || fail "revision 3 lost its cause: $(<"$out")"
stop_checker "$dips"

log "restart sets spec.restartAt to now"
before=$(date -u +%s)
run 0 restart hello
out_has "rolloutpolicy.rolloutd.io/hello restarted"
restart_at=$(date -u -d "$(field .spec.restartAt)" +%s)
((restart_at >= before - 1 && restart_at <= $(date -u +%s) + 1)) || fail "restartAt $(field .spec.restartAt) is not now"

log "get --watch (to a pipe) prints a new view when the policy changes; SIGINT ends it with 0"
kubectl rp -n "$ns" get hello --watch >"$work/watch" 2>&1 &
watch_pid=$!
wait_until 30 "the first view" grep -Eq "Desired: +3$" "$work/watch"
k scale rp hello --replicas=4 >/dev/null
wait_until 60 "a view with 4 desired replicas" grep -Eq "Desired: +4$" "$work/watch"
# The newest view (from its last "Name:" line) lists 4 running pods.
last_view_has_4_running() { tac "$work/watch" | awk '/^Name:/ {exit} / Pod +Running / {n++} END {exit n != 4}'; }
wait_until 60 "a view with 4 running pods" last_view_has_4_running
kill -INT "$watch_pid"
rc=0
wait "$watch_pid" || rc=$?
watch_pid=
((rc == 0)) || fail "get --watch exited $rc on SIGINT"

log "on a terminal: status draws a progress bar, get --watch redraws in place"
k scale rp hello --replicas=3 >/dev/null
script -qec "kubectl rp -n $ns status hello --timeout=60s" /dev/null >"$work/tty-status" || fail "status on a terminal failed"
grep -q "▕" "$work/tty-status" || fail "no progress bar on a terminal: $(cat -v "$work/tty-status")"
script -qec "timeout -s INT 4 kubectl rp -n $ns get hello --watch" /dev/null >"$work/tty-get" || true
grep -q $'\e\[J' "$work/tty-get" || fail "get --watch did not clear in place on a terminal"
grep -q "✔ Healthy" "$work/tty-get" || fail "no status symbols on a terminal"

log "canary: get shows step and weights; promote continues, abort makes status exit 1, retry and promote --full finish"
k apply -f - >/dev/null <<'YAML'
apiVersion: rolloutd.io/v1alpha1
kind: RolloutPolicy
metadata: {name: web}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  strategy:
    canary:
      abortScaleDownDelaySeconds: 0
      steps: [{setWeight: 50}, {pause: {}}]
  template:
    metadata: {labels: {app: web}}
    spec:
      containers: [{name: web, image: "kelseyhightower/hello:1.0.0"}]
YAML
run 0 status web --timeout=120s
at_pause() { [[ $(field .status.phase web) == Paused && $(field .status.currentStepIndex web) == 1 &&
  $(field .status.observedGeneration web) == $(field .metadata.generation web) ]]; }
operation_done() { [[ -z $(field .status.operation web) ]]; }
run 0 set image web web=kelseyhightower/hello:2.0.0
wait_until 120 "web paused at step 1" at_pause
run 0 get web
out_matches "^Strategy: +Canary$"
out_matches "^  Step: +1/2$"
out_matches "^  SetWeight: +50$"
out_has "kelseyhightower/hello:2.0.0 (canary)"
out_has "kelseyhightower/hello:1.0.0 (stable)"
run 0 list
grep -Eq '^web +Canary +Paused +1/2 +50 ' "$out" || fail "list row of web: $(<"$out")"
run 0 status web --watch=false
out_matches "Paused - .*\(continue with: kubectl rp promote web\)$"
run 0 promote web
wait_until 60 "the controller to take the Promote request" operation_done
run 0 status web --timeout=120s
out_has 'rollout "web" successfully rolled out'
run 0 set image web web=kelseyhightower/hello:3.0.0
wait_until 120 "web paused at step 1 again" at_pause
run 0 abort web
out_has "rolloutpolicy.rolloutd.io/web abort requested"
run 1 status web --timeout=120s
out_has 'rollout "web" is Degraded'
[[ $(field .status.abort web) == true ]] || fail "web not aborted"
run 0 retry web
wait_until 120 "web paused at step 1 after retry" at_pause
[[ -z $(field .status.abort web) || $(field .status.abort web) == false ]] || fail "retry left the abort"
run 0 promote web --full
run 0 status web --timeout=120s
[[ $(k get pods -l app=web -o jsonpath='{range .items[*]}{.spec.containers[0].image}{"\n"}{end}' | sort -u) == kelseyhightower/hello:3.0.0 ]] ||
  fail "web pods do not all run 3.0.0 after promote --full"

log "status exits 1 for a Degraded policy: progressDeadlineAbort with never-ready pods, and InvalidSpec"
k apply -f - >/dev/null <<'YAML'
apiVersion: rolloutd.io/v1alpha1
kind: RolloutPolicy
metadata: {name: stuck}
spec:
  replicas: 1
  progressDeadlineSeconds: 5
  progressDeadlineAbort: true
  selector: {matchLabels: {app: stuck}}
  template:
    metadata:
      labels: {app: stuck}
      annotations: {kwok.rolloutd.io/never-ready: "true"}
    spec:
      containers: [{name: stuck, image: "kelseyhightower/hello:1.0.0"}]
YAML
run 1 status stuck --timeout=120s
out_has 'rollout "stuck" is Degraded'
[[ $(field .status.abort stuck) == true ]] || fail "stuck was not aborted"
k apply -f - >/dev/null <<'YAML'
apiVersion: rolloutd.io/v1alpha1
kind: RolloutPolicy
metadata: {name: broken}
spec:
  replicas: 1
  selector: {matchLabels: {app: broken}}
  template:
    metadata: {labels: {app: broken}}
    spec:
      initContainers: [{name: hello, image: "kelseyhightower/hello:1.0.0"}]
      containers: [{name: hello, image: "kelseyhightower/hello:1.0.0"}]
YAML
run 1 status broken --timeout=60s
out_has 'rollout "broken" is Degraded'
run 0 get broken
out_has "Degraded"

log "promote, promote --full, abort, retry write status.operation (controller stopped, so it stays)"
kill -TERM "$controller_pid"
rc=0
wait "$controller_pid" || rc=$?
((rc == 0)) || fail "rolloutd exited $rc on SIGTERM"
generation=$(field .metadata.generation)
for op in "promote:Promote:promotion requested" "promote --full:PromoteFull:full promotion requested" \
  "abort:Abort:abort requested" "retry:Retry:retry requested"; do
  IFS=: read -r command type said <<<"$op"
  # shellcheck disable=SC2086 # "promote --full" is two words
  run 0 $command hello
  out_has "rolloutpolicy.rolloutd.io/hello $said"
  [[ $(field .status.operation.type) == "$type" ]] || fail "$command wrote type $(field .status.operation.type)"
  [[ $(field .status.operation.requestedBy) == kubectl-rp ]] || fail "$command: requestedBy $(field .status.operation.requestedBy)"
  date -d "$(field .status.operation.requestedAt)" >/dev/null || fail "$command: requestedAt $(field .status.operation.requestedAt)"
done
[[ $(field .metadata.generation) == "$generation" ]] || fail "an operation changed the spec (generation moved)"
grep -q 'AddressSanitizer\|runtime error' "$controller_log" && fail "sanitizer errors in the controller log"
log "PASS"
