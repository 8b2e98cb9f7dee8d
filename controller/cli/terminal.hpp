#pragma once

// What kind of output kubectl-rp writes to: a terminal (symbols, colour unless NO_COLOR or
// TERM=dumb, its current width) or a pipe or file (plain text, no width limit).

#include <cstddef>

#include "cli/text_layout.hpp"
#include "kube/config.hpp"

namespace rolloutd::cli {

struct terminal_info {
  bool tty = false;
  std::size_t width = 0;   // 0 when not a terminal
  std::size_t height = 0;  // rows; 0 when unknown
  bool color = false;
};

// `fd` is asked for its window size each time, so a resized terminal is followed. $COLUMNS is the
// fallback when the terminal does not say.
[[nodiscard]] terminal_info probe_terminal(int fd, const kube::env_lookup& env);

[[nodiscard]] render_options render_options_for(const terminal_info& terminal);

}  // namespace rolloutd::cli
