#include "cli/status_report.hpp"

#include <algorithm>
#include <cmath>
#include <variant>

#include "api/parse.hpp"
#include "api/status.hpp"
#include "cli/json_fields.hpp"

namespace rolloutd::cli {

namespace {

constexpr std::size_t bar_cells = 20;

std::string quoted(const std::string& name) {
  return "\"" + name + "\"";
}

std::string counts_phrase(const api::rollout_status& s, std::int32_t desired) {
  if (s.updated_replicas < desired) {
    return std::to_string(s.updated_replicas) + " out of " + std::to_string(desired) +
           " new replicas have been updated...";
  }
  if (s.replicas > s.updated_replicas) {
    return std::to_string(s.replicas - s.updated_replicas) + " old replicas are pending termination...";
  }
  if (s.available_replicas < s.updated_replicas) {
    return std::to_string(s.available_replicas) + " of " + std::to_string(s.updated_replicas) +
           " updated replicas are available...";
  }
  return s.message.empty() ? "in progress..." : s.message;
}

double fraction(double done, double total) {
  if (total <= 0) return 1.0;
  return std::clamp(done / total, 0.0, 1.0);
}

}  // namespace

status_report evaluate_status(const json& policy) {
  status_report r;
  const std::string name = quoted(name_of(policy));
  const json* status_json = find_path(policy, {"status"});
  const auto s = api::parse_status(status_json != nullptr ? *status_json : json::object()).value();
  const auto generation = int_at(policy, {"metadata", "generation"}).value_or(0);

  const auto parsed = api::parse_rollout_policy(policy);
  const std::int32_t desired =
      parsed.ok() ? parsed->spec.replicas
                  : static_cast<std::int32_t>(int_at(policy, {"spec", "replicas"}).value_or(1));
  const api::canary_strategy* canary =
      parsed.ok() ? std::get_if<api::canary_strategy>(&parsed->spec.strategy) : nullptr;
  const bool user_paused = parsed.ok() ? parsed->spec.paused : bool_at(policy, {"spec", "paused"});

  r.progress = fraction(std::min(s.updated_replicas, s.available_replicas), std::max(desired, s.replicas));
  std::string canary_prefix;
  if (canary != nullptr && !canary->steps.empty()) {
    const auto steps = static_cast<std::int32_t>(canary->steps.size());
    const auto step = std::clamp(s.current_step_index.value_or(0), 0, steps);
    r.progress = fraction(step, steps);
    canary_prefix = "step " + std::to_string(step) + "/" + std::to_string(steps) + ", canary weight " +
                    std::to_string(s.canary_weight.value_or(0)) + "%: ";
  }

  if (s.phase == api::rollout_phase::unset) {
    r.text = "Waiting for rollout " + name + " to start: the controller has not reported a status yet...";
    return r;
  }
  if (s.observed_generation < generation) {
    r.text = "Waiting for rollout " + name + " spec update to be observed...";
    return r;
  }
  switch (s.phase) {
    case api::rollout_phase::healthy:
      r.verdict = rollout_verdict::healthy;
      r.progress = 1.0;
      r.text = "rollout " + name + " successfully rolled out";
      return r;
    case api::rollout_phase::degraded: {
      r.verdict = rollout_verdict::degraded;
      std::string why = s.message;
      if (const auto* c = api::find_condition(s.conditions, api::condition_types::invalid_spec);
          why.empty() && c != nullptr) {
        why = c->message;
      }
      r.text = "rollout " + name + " is Degraded" + (why.empty() ? "" : ": " + why);
      return r;
    }
    case api::rollout_phase::paused: {
      const std::string hint = user_paused ? " (resume with: kubectl rp resume " + name_of(policy) + ")"
                                           : " (continue with: kubectl rp promote " + name_of(policy) + ")";
      r.text = "Waiting for rollout " + name + " to finish: " + canary_prefix + "Paused" +
               (s.message.empty() || s.message == "paused" ? "" : " - " + s.message) + hint;
      return r;
    }
    default: {
      r.text = "Waiting for rollout " + name + " to finish: " + canary_prefix + counts_phrase(s, desired);
      // Pods the ReplicaSet cannot create (a quota, admission) are why it waits: say so now, not
      // when the progress deadline passes.
      const auto* failure = api::find_condition(s.conditions, "ReplicaFailure");
      if (failure != nullptr && failure->status == api::condition_statuses::true_) {
        r.text += " (" + failure->reason + ": " + failure->message + ")";
      }
      return r;
    }
  }
}

std::string format_status_line(const status_report& report, const render_options& o) {
  if (!o.symbols) return report.text;
  const auto filled = static_cast<std::size_t>(std::lround(report.progress * static_cast<double>(bar_cells)));
  std::string bar;
  for (std::size_t i = 0; i < bar_cells; ++i) bar += i < filled ? "█" : "░";
  const auto percent = std::to_string(std::lround(report.progress * 100.0)) + "%";
  const tone t = report.verdict == rollout_verdict::healthy    ? tone::good
                 : report.verdict == rollout_verdict::degraded ? tone::bad
                                                               : tone::busy;
  // "▕bar▏ 100%  " is bar_cells + 2 + 1 + 4 + 2 columns.
  std::string head = "▕" + bar + "▏ " + pad_right(percent, 4) + "  ";
  const std::size_t head_width = display_width(head);
  std::string text = report.text;
  if (o.width > 0) text = o.width > head_width ? truncate_end(text, o.width - head_width) : "";
  return paint(head, t, o.color) + text;
}

}  // namespace rolloutd::cli
