#include "reconcile/condition_convert.hpp"

#include <string>

#include "common/saturating_time.hpp"

namespace rolloutd::reconcile {

std::optional<strategy::condition> condition_to_strategy(const api::condition* c) {
  namespace cs = api::condition_statuses;
  if (c == nullptr) return std::nullopt;
  strategy::condition out;
  out.status = c->status == cs::true_    ? strategy::condition_status::is_true
               : c->status == cs::false_ ? strategy::condition_status::is_false
                                         : strategy::condition_status::unknown;
  out.reason = c->reason;
  out.message = c->message;
  if (c->last_update_time) out.last_update = to_wall_time(*c->last_update_time);
  if (c->last_transition_time) out.last_transition = to_wall_time(*c->last_transition_time);
  return out;
}

api::condition condition_to_api(std::string_view type, const strategy::condition& c,
                                std::int64_t generation) {
  api::condition out;
  out.type = std::string(type);
  out.status = std::string(strategy::to_string(c.status));
  out.reason = c.reason;
  out.message = c.message;
  out.last_update_time = api::to_timestamp(c.last_update);
  out.last_transition_time = api::to_timestamp(c.last_transition);
  out.observed_generation = generation;
  return out;
}

}  // namespace rolloutd::reconcile
