#include "reconcile/rolling_operations.hpp"

namespace rolloutd::reconcile {

namespace {

namespace cr = api::condition_reasons;

std::string by(const api::operation_request& op) {
  return op.requested_by.empty() ? std::string() : " by " + op.requested_by;
}

std::string destination(std::string_view stable) {
  return stable.empty() ? std::string("no stable revision to return to: holding")
                        : "returning to stable ReplicaSet " + std::string(stable);
}

}  // namespace

rolling_operation_decision decide_rolling_operation(const rolling_operation_input& in) {
  rolling_operation_decision out;
  const auto& status = in.status;
  out.aborted = status.abort && status.current_pod_hash == in.hash;
  if (!status.operation) return out;

  const auto& op = *status.operation;
  out.consume_operation = true;
  switch (op.type) {
    case api::operation_type::abort:
      if (out.aborted) break;  // already aborted: nothing new to say
      if (!status.stable_pod_hash.empty() && status.stable_pod_hash == in.hash) {
        out.events.push_back({kube::event_type::normal, "AbortIgnored",
                              "nothing to abort: the template is the stable revision"});
        break;
      }
      out.aborted = true;
      out.abort_cause = "aborted" + by(op);
      out.events.push_back({kube::event_type::warning, std::string(cr::rollout_aborted),
                            "rollout aborted" + by(op) + "; " + destination(in.stable_replica_set)});
      break;
    case api::operation_type::retry:
      out.aborted = false;
      out.retried = true;
      out.events.push_back({kube::event_type::normal, std::string(cr::rollout_retried),
                            "rollout retried" + by(op) + " with a fresh progress deadline"});
      break;
    case api::operation_type::promote:
    case api::operation_type::promote_full:
      out.events.push_back({kube::event_type::warning, "OperationIgnored",
                            std::string(api::to_string(op.type)) +
                                " applies to canary and blue/green steps; a rolling update has none"});
      break;
  }
  return out;
}

}  // namespace rolloutd::reconcile
