#include "reconcile/kstatus_conditions.hpp"

#include <optional>
#include <string>

#include "api/condition_reasons.hpp"
#include "reconcile/policy_status.hpp"

namespace rolloutd::reconcile {

namespace {

namespace ct = api::condition_types;
namespace cs = api::condition_statuses;
namespace cr = api::condition_reasons;

struct cause {
  std::string reason;
  std::string message;
};

std::optional<cause> stall_cause(const api::rollout_status& s) {
  if (const auto* c = api::find_condition(s.conditions, ct::invalid_spec);
      c != nullptr && c->status == cs::true_)
    return cause{c->reason, c->message};
  if (const auto* c = api::find_condition(s.conditions, ct::progressing);
      c != nullptr && c->status == cs::false_)
    return cause{c->reason, c->message};
  if (s.abort) return cause{std::string(cr::rollout_aborted), s.message};
  return std::nullopt;
}

bool settled(const api::rollout_status& s, std::int32_t desired) {
  return !s.current_pod_hash.empty() && s.current_pod_hash == s.stable_pod_hash && s.replicas == desired &&
         s.updated_replicas == desired && s.available_replicas >= desired;
}

void put_true(api::rollout_status& s, std::string_view type, std::string reason, std::string message,
              std::int64_t generation, api::timestamp now) {
  auto c = api::make_condition(type, cs::true_, reason, std::move(message), now);
  c.observed_generation = generation;
  put_stated(s.conditions, std::move(c));
}

}  // namespace

void set_kstatus_conditions(api::rollout_status& s, std::int32_t desired_replicas, std::int64_t generation,
                            api::timestamp now) {
  if (auto stalled = stall_cause(s)) {
    api::remove_condition(s.conditions, kstatus_conditions::reconciling);
    put_true(s, kstatus_conditions::stalled, std::move(stalled->reason), std::move(stalled->message),
             generation, now);
    return;
  }
  api::remove_condition(s.conditions, kstatus_conditions::stalled);
  if (settled(s, desired_replicas)) {
    api::remove_condition(s.conditions, kstatus_conditions::reconciling);
    return;
  }
  const auto* progressing = api::find_condition(s.conditions, ct::progressing);
  std::string reason = progressing != nullptr ? progressing->reason : std::string(api::to_string(s.phase));
  if (reason.empty()) reason = "Reconciling";
  put_true(s, kstatus_conditions::reconciling, std::move(reason), s.message, generation, now);
}

}  // namespace rolloutd::reconcile
