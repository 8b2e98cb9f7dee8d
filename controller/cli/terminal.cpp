#include "cli/terminal.hpp"

#include <sys/ioctl.h>
#include <unistd.h>

#include <charconv>

namespace rolloutd::cli {

terminal_info probe_terminal(int fd, const kube::env_lookup& env) {
  terminal_info t;
  t.tty = isatty(fd) == 1;
  if (!t.tty) return t;
  winsize size{};
  if (ioctl(fd, TIOCGWINSZ, &size) == 0 && size.ws_col > 0) {
    t.width = size.ws_col;
    t.height = size.ws_row;
  } else if (auto columns = env("COLUMNS")) {
    std::size_t value = 0;
    auto [end, ec] = std::from_chars(columns->data(), columns->data() + columns->size(), value);
    if (ec == std::errc() && end == columns->data() + columns->size()) t.width = value;
  }
  if (t.width == 0) t.width = 80;
  const auto no_color = env("NO_COLOR");
  const auto term = env("TERM");
  t.color = !(no_color && !no_color->empty()) && !(term && *term == "dumb");
  return t;
}

render_options render_options_for(const terminal_info& terminal) {
  render_options o;
  o.width = terminal.tty ? terminal.width : 0;
  o.symbols = terminal.tty;
  o.color = terminal.color;
  return o;
}

}  // namespace rolloutd::cli
