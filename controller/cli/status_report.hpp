#pragma once

// `kubectl rp status`: what one look at a policy says about its rollout, with the contract of
// `kubectl rollout status` — done when Healthy, failed when Degraded, otherwise still waiting — and
// the line to print about it. A status written for an older generation says nothing about the
// current spec, so it is "waiting" whatever its phase. Pure.

#include <string>

#include <nlohmann/json.hpp>

#include "cli/text_layout.hpp"

namespace rolloutd::cli {

enum class rollout_verdict { waiting, healthy, degraded };

struct status_report {
  rollout_verdict verdict = rollout_verdict::waiting;
  std::string text;       // one line, no newline
  double progress = 0.0;  // 0..1, for the progress bar
};

[[nodiscard]] status_report evaluate_status(const nlohmann::json& policy);

// The line for a report: on a terminal (options.symbols) a progress bar comes first and the text
// is cut to the width.
[[nodiscard]] std::string format_status_line(const status_report& report, const render_options& options);

}  // namespace rolloutd::cli
