// Pieces every renderer shares: how a policy is named in messages and how a status word looks.

#include <string>

#include "cli/render.hpp"

namespace rolloutd::cli {

std::string policy_ref(std::string_view name) {
  return "rolloutpolicy.rolloutd.io/" + std::string(name);
}

tone tone_of_status(std::string_view status) {
  if (status == "Healthy" || status == "Running") return tone::good;
  if (status == "Progressing" || status == "Pending" || status == "ContainerCreating" ||
      status == "NotReady" || status == "ScalingDown")
    return tone::busy;
  if (status == "Paused") return tone::paused;
  if (status == "Degraded" || status == "Failed") return tone::bad;
  if (status == "ScaledDown" || status == "Terminating" || status == "Succeeded" || status == "Completed" ||
      status == "Unknown")
    return tone::dim;
  return tone::plain;
}

namespace {

std::string_view symbol_of(tone t) {
  switch (t) {
    case tone::good:
      return "✔";
    case tone::busy:
      return "◌";
    case tone::paused:
      return "॥";
    case tone::bad:
      return "✖";
    case tone::dim:
      return "•";
    default:
      return "?";
  }
}

}  // namespace

table_cell status_cell(std::string_view status, const render_options& options) {
  return status_cell(status, tone_of_status(status), options);
}

table_cell status_cell(std::string_view status, tone t, const render_options& options) {
  table_cell cell{.text = std::string(status), .color = t};
  if (options.symbols) cell.text = std::string(symbol_of(t)) + " " + cell.text;
  return cell;
}

}  // namespace rolloutd::cli
