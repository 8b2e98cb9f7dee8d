#!/usr/bin/env bash
# The RBAC in deploy/ is enough and is no more than needed. rolloutd runs as it would in a pod: the
# in-cluster configuration path, with KUBERNETES_SERVICE_HOST/PORT pointing at the local API
# server and a directory standing in for /var/run/secrets/kubernetes.io/serviceaccount (a token
# from the TokenRequest API for the ServiceAccount of deploy/, the cluster CA, the namespace), with
# leader election, and with exactly the ClusterRole, Role and bindings of deploy/ (renamed so the
# test does not touch a real installation).
#
#  1. With every rule, the full end-to-end scenarios pass: every test/e2e/test_*.sh that starts the
#     controller through lib.sh's start_rolloutd (rolling update, canary, blue/green).
#  2. With every rule, each compact scenario in test/e2e/rbac/ passes (the control for 3).
#  3. With one rule removed at a time (ClusterRole and leader-election Role), some compact scenario
#     fails, unless the rule's comment in the manifest says what it is "needed for:".
#  4. The namespace-scoped variant (deploy/namespaced/: a Role, --namespace) passes the compact
#     scenarios in its own namespace and cannot list policies elsewhere; its Role's rules are the
#     ClusterRole's.
#
# Step 1 is long (every full scenario again), so it runs as a test of its own,
# test_rbac_full_scenarios.sh (ROLLOUTD_RBAC_PART=full), its scenarios ROLLOUTD_RBAC_JOBS (2) at a
# time, while this one (ROLLOUTD_RBAC_PART=rules, the default) runs steps 2-4 beside it;
# ROLLOUTD_RBAC_PART=all runs everything. ROLLOUTD_RBAC_FULL_SCENARIOS overrides the list of full
# scenarios (names of test/e2e/test_*.sh).
scenario=rbac
source "$(dirname "$0")/lib.sh"
ROLLOUTD_BIN_DIR=${ROLLOUTD_BIN_DIR:-$ROLLOUTD_SOURCE_DIR/build/controller}
deploy=$ROLLOUTD_SOURCE_DIR/deploy
e2e=$ROLLOUTD_SOURCE_DIR/test/e2e
deadline=${ROLLOUTD_RBAC_DEADLINE:-30}

id=$(printf '%04x' $((RANDOM % 65536)))
prefix=t-rbac-$id-
home=t-rbac-$id  # the controller's own namespace: ServiceAccount, Roles, Lease
sa=${prefix}rolloutd
kubectl apply --server-side --force-conflicts -f "$ROLLOUTD_SOURCE_DIR/crds/rolloutpolicies.rolloutd.io.yaml" >/dev/null
kubectl wait --for=condition=Established crd/rolloutpolicies.rolloutd.io --timeout=60s >/dev/null

work=$(mktemp -d)
# kustomize refuses absolute paths to other kustomizations, and (by default) files outside its root.
overlay=$(mktemp -d -p "$ROLLOUTD_SOURCE_DIR/build" rbac-overlay.XXXX 2>/dev/null || mktemp -d -p "$deploy/..")
controller_pid=
scenario_namespaces=()
cleanup() {
  stop_controller
  kubectl delete clusterrolebinding "$sa" --ignore-not-found >/dev/null 2>&1 || true
  kubectl delete clusterrole "$sa" --ignore-not-found >/dev/null 2>&1 || true
  for n in "$home" "${scenario_namespaces[@]}"; do
    kubectl delete namespace "$n" --ignore-not-found --wait=false >/dev/null 2>&1 || true
  done
  rm -rf "$overlay"
  if [[ ${keep_log:-} == 1 ]]; then log "logs kept in $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT
trap 'keep_log=1' ERR

# render MODE [PATCH...]: the RBAC objects of deploy/ (MODE cluster) or deploy/namespaced (MODE
# namespaced) under the test's names, with the given kustomize patches (YAML list items).
render() {
  local mode=$1 rel kind api k name p
  shift
  rel=$(realpath --relative-to="$overlay" "$deploy")
  {
    echo "apiVersion: kustomize.config.k8s.io/v1beta1"
    echo "kind: Kustomization"
    echo "namespace: $home"
    echo "namePrefix: $prefix"
    if [[ $mode == cluster ]]; then
      echo "resources: [$rel/rbac, $rel/controller]"
    else
      echo "resources: [$rel/namespaced]"
    fi
    echo "patches:"
    # Only the RBAC objects: the Deployment would start fake pods on kwok, which run nothing.
    for kind in apps/v1:Deployment:rolloutd policy/v1:PodDisruptionBudget:rolloutd v1:Service:rolloutd-metrics; do
      IFS=: read -r api k name <<<"$kind"
      printf -- '- patch: |-\n    $patch: delete\n    apiVersion: %s\n    kind: %s\n    metadata: {name: %s}\n' "$api" "$k" "$name"
    done
    for p in "$@"; do echo "$p"; done
  } >"$overlay/kustomization.yaml"
  kubectl kustomize "$overlay"
}
# remove_rule KIND NAME INDEX: a kustomize patch that drops rules[INDEX] of a (Cluster)Role.
remove_rule() {
  printf -- '- target: {kind: %s, name: %s}\n  patch: %s\n' "$1" "$2" "'[{\"op\": \"remove\", \"path\": \"/rules/$3\"}]'"
}
# apply_rbac MODE [PATCH...]: makes the cluster's RBAC objects exactly the rendered ones (server-side
# apply replaces the atomic rules list).
apply_rbac() {
  render "$@" >"$work/rbac.yaml"
  kubectl apply --server-side --force-conflicts -f "$work/rbac.yaml" >/dev/null
}

# rules_of KIND NAME: the rules: block of that object in a kustomize rendering on stdin (kustomize
# sorts keys, so two renderings of the same rules are the same text).
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

# The rule comments of a manifest, in rule order: "<id>\t<needed for, or empty>".
rule_notes() {
  awk '
    /^# rule: / { if (id != "") print id "\t" need; id = $3; need = ""; inrule = 1; next }
    inrule && /needed for:/ { sub(/.*needed for: */, ""); need = $0 }
    /^- apiGroups:/ { inrule = 0 }
    END { if (id != "") print id "\t" need }
  ' "$1"
}

kubectl create namespace "$home" >/dev/null
apply_rbac cluster

# The service-account directory a pod would have.
sa_dir=$work/serviceaccount
mkdir -p "$sa_dir"
wait_until 30 "ServiceAccount $sa" kubectl -n "$home" get serviceaccount "$sa"
kubectl -n "$home" create token "$sa" --duration=2h >"$sa_dir/token"
kubectl config view --raw --minify -o jsonpath='{.clusters[0].cluster.certificate-authority-data}' | base64 -d >"$sa_dir/ca.crt"
echo -n "$home" >"$sa_dir/namespace"
server=$(kubectl config view --minify -o jsonpath='{.clusters[0].cluster.server}')
hostport=${server#https://}

# write_wrapper PATH [FLAG...]: what a pod's container would run (no kubeconfig anywhere, the
# service host in the environment), with the given extra flags.
write_wrapper() {
  local path=$1
  shift
  cat >"$path" <<EOF
#!/usr/bin/env bash
# rolloutd as in a pod of deploy/ (in-cluster configuration).
unset KUBECONFIG
export HOME=$work/home KUBERNETES_SERVICE_HOST=${hostport%:*} KUBERNETES_SERVICE_PORT=${hostport##*:}
exec > >(tee -a "$work/controllers.log") 2>&1
exec "$ROLLOUTD_BIN_DIR/rolloutd" --service-account-dir "$sa_dir" $* "\$@"
EOF
  chmod +x "$path"
}
# With leader election in its namespace, as deploy/ runs it.
wrapper=$work/rolloutd-in-cluster
write_wrapper "$wrapper" --leader-elect --leader-election-namespace "$home"
# The full scenarios run side by side, each with a controller of its own: deploy/ grants one Lease
# (rolloutd-leader), so only one of them could lead. They run without leader election; steps 2-4
# exercise the Lease rules.
full_wrapper=$work/rolloutd-in-cluster-unelected
write_wrapper "$full_wrapper"

as_sa=(--as "system:serviceaccount:$home:$sa")
can() { [[ $(kubectl auth can-i "${as_sa[@]}" "$@" 2>/dev/null) == yes ]]; }
log "the ServiceAccount's rights are what deploy/ grants, and no more"
can list rolloutpolicies.rolloutd.io --all-namespaces || fail "cannot list rolloutpolicies"
can patch rolloutpolicies.rolloutd.io --subresource=status -n default || fail "cannot patch rolloutpolicies/status"
can create replicasets.apps -n default || fail "cannot create replicasets"
can update leases.coordination.k8s.io/rolloutd-leader -n "$home" || fail "cannot update its Lease"
for denied in "get secrets -n default" "update rolloutpolicies.rolloutd.io -n default" "create pods -n default" \
  "update leases.coordination.k8s.io/other -n $home" "create leases.coordination.k8s.io -n default" \
  "update services -n default" "delete services -n default"; do
  # shellcheck disable=SC2086
  ! can $denied || fail "the ServiceAccount may $denied"
done

stop_controller() {
  [[ -n $controller_pid ]] || return 0
  kill -TERM "$controller_pid" 2>/dev/null || true
  wait "$controller_pid" 2>/dev/null || true
  controller_pid=
}
# run_compact NAMESPACE_MODE: starts one controller and runs every compact scenario in a namespace
# of its own; returns at the first scenario that fails (0 when all passed). NAMESPACE_MODE is
# "cluster" (the controller watches each scenario's namespace through --namespace) or "namespaced"
# (the scenarios run in the controller's own namespace, as deploy/namespaced/ installs it).
run_compact() {
  local mode=$1 s name n rc=0
  # Each run starts from no Lease, so creating it is exercised every time.
  kubectl -n "$home" delete lease "${ROLLOUTD_LEASE_NAME:-rolloutd-leader}" --ignore-not-found >/dev/null
  for s in "$e2e"/rbac/*.sh; do
    name=$(basename "$s" .sh)
    if [[ $mode == namespaced ]]; then
      n=$home
    else
      n=$home-${name//_/-}
      scenario_namespaces+=("$n")
      kubectl delete namespace "$n" --ignore-not-found --wait=true >/dev/null
      kubectl create namespace "$n" >/dev/null
    fi
    "$wrapper" --namespace "$n" --metrics-addr 127.0.0.1:0 >>"$work/controller.log" 2>&1 &
    controller_pid=$!
    if "$s" "$n" "$deadline" >>"$work/scenarios.log" 2>&1; then rc=0; else rc=1; fi
    stop_controller
    if [[ $mode == namespaced ]]; then
      k_delete_all "$n"
    else
      kubectl delete namespace "$n" --ignore-not-found --wait=false >/dev/null
    fi
    if ((rc != 0)); then
      echo "$name"
      return 1
    fi
  done
}
k_delete_all() { kubectl -n "$1" delete rp,svc,rs --all --wait=true >/dev/null 2>&1 || true; }

part=${ROLLOUTD_RBAC_PART:-rules}
refused='(^|[^0-9:])403([^0-9]|$)|[Ff]orbidden'  # "403" or "forbidden"; a port such as :40355 is not one
if [[ $part == full || $part == all ]]; then
  log "1. full scenarios, in-cluster with the rights of deploy/, ${ROLLOUTD_RBAC_JOBS:-2} at a time"
  full=${ROLLOUTD_RBAC_FULL_SCENARIOS:-}
  if [[ -z $full ]]; then
    # Every scenario that starts the controller through start_rolloutd (so it can be given ours).
    for f in "$e2e"/test_*.sh; do
      [[ $(basename "$f") == test_rbac* || $(basename "$f") == test_deploy_* ]] && continue
      grep -q '^start_rolloutd ' "$f" && full+=" $(basename "$f" .sh)"
    done
  fi
  [[ -n $full ]] || fail "no full scenario found"
  declare -A running=()
  failed_full=()
  reap() {  # waits for a scenario to end and records whether it failed
    local pid name
    wait -n "${!running[@]}" 2>/dev/null || true
    for pid in "${!running[@]}"; do
      kill -0 "$pid" 2>/dev/null && continue
      name=${running[$pid]}
      unset "running[$pid]"
      if wait "$pid"; then log "   $name passed"; else failed_full+=("$name"); fi
    done
  }
  for name in $full; do
    while ((${#running[@]} >= ${ROLLOUTD_RBAC_JOBS:-2})); do reap; done
    log "   $name"
    ROLLOUTD_CONTROLLER_CMD=$full_wrapper ROLLOUTD_E2E_NS_SUFFIX=-$id ROLLOUTD_BIN_DIR=$ROLLOUTD_BIN_DIR \
      "$e2e/$name.sh" >"$work/full-$name.log" 2>&1 &
    running[$!]=$name
  done
  while ((${#running[@]} > 0)); do reap; done
  for name in "${failed_full[@]}"; do
    keep_log=1
    tail -30 "$work/full-$name.log" >&2
  done
  ((${#failed_full[@]} == 0)) || fail "failed with the rights of deploy/: ${failed_full[*]}"
  grep -q "(in-cluster)" "$work/controllers.log" || fail "rolloutd did not use the in-cluster configuration"
  if grep -Eq "$refused" "$work/controllers.log"; then
    keep_log=1
    fail "requests were forbidden with every rule: $(grep -Em3 "$refused" "$work/controllers.log")"
  fi
fi
if [[ $part == full ]]; then
  log "PASS"
  exit 0
fi

log "2. compact scenarios with every rule (the control for 3)"
if failed=$(run_compact cluster); then :; else
  keep_log=1
  fail "compact scenario $failed failed with every rule"
fi
# Every controller so far ran in-cluster, led, and was never refused anything.
grep -q "(in-cluster)" "$work/controllers.log" || fail "rolloutd did not use the in-cluster configuration"
grep -q "leading as" "$work/controllers.log" || fail "rolloutd never led"
if grep -Eq "$refused" "$work/controllers.log"; then
  keep_log=1
  fail "requests were forbidden with every rule: $(grep -Em3 "$refused" "$work/controllers.log")"
fi

log "3. one rule removed at a time"
check_removals() {  # KIND NAME MANIFEST
  local kind=$1 name=$2 manifest=$3 i=0 id need failed rules
  rules=$(render cluster | rules_of "$kind" "$prefix$name" | grep -c '^- ')
  (($(rule_notes "$manifest" | wc -l) == rules)) || fail "$manifest: every one of its $rules rules needs a '# rule:' comment"
  while IFS=$'\t' read -r id need; do
    apply_rbac cluster "$(remove_rule "$kind" "$name" "$i")"
    : >"$work/controller.log"
    if failed=$(run_compact cluster); then
      if [[ -n $need ]]; then
        log "   $kind rule $i ($id): no scenario needs it; needed for: $need"
      else
        apply_rbac cluster
        fail "$kind rule $i ($id) can be removed and every scenario still passes; drop it, or say in $manifest what it is needed for"
      fi
    else
      log "   $kind rule $i ($id): without it, scenario $failed fails; the controller said:"
      log "     $(grep -m1 -i 'forbidden' "$work/controller.log" | cut -c1-300)"
    fi
    i=$((i + 1))
  done < <(rule_notes "$manifest")
}
check_removals ClusterRole rolloutd "$deploy/rbac/cluster_role.yaml"
check_removals Role rolloutd-leader-election "$deploy/controller/leader_election_role.yaml"
apply_rbac cluster

log "4. namespace-scoped: the Role of deploy/namespaced in one namespace"
cluster_rules=$(kubectl kustomize "$deploy" | rules_of ClusterRole rolloutd)
role_rules=$(kubectl kustomize "$deploy/namespaced" | rules_of Role rolloutd)
[[ -n $cluster_rules && $cluster_rules == "$role_rules" ]] ||
  fail "deploy/namespaced/role.yaml's rules differ from the ClusterRole's: $(diff <(echo "$cluster_rules") <(echo "$role_rules"))"
kubectl delete clusterrolebinding "$sa" --ignore-not-found >/dev/null
kubectl delete clusterrole "$sa" --ignore-not-found >/dev/null
apply_rbac namespaced
! can list rolloutpolicies.rolloutd.io --all-namespaces || fail "the namespaced variant may list policies in every namespace"
! can list rolloutpolicies.rolloutd.io -n default || fail "the namespaced variant may list policies in default"
can list rolloutpolicies.rolloutd.io -n "$home" || fail "the namespaced variant cannot list policies in its namespace"
if failed=$(run_compact namespaced); then :; else
  keep_log=1
  fail "compact scenario $failed failed in namespace-scoped mode"
fi
log "PASS"
