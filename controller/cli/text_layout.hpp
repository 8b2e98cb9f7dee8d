#pragma once

// Text layout for kubectl-rp's output: display width of UTF-8 text, truncation with an ellipsis,
// and tables whose columns shrink and drop to fit a terminal. Colour is applied after layout, so
// widths are always measured on plain text. Pure.

#include <chrono>
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace rolloutd::cli {

// How output is decorated. A terminal gets symbols, colour and a width to fit; a pipe or file gets
// plain words and lines as long as they need to be (width 0), so it can be grepped and diffed.
struct render_options {
  std::size_t width = 0;  // 0: unlimited
  bool symbols = false;   // status symbols (✔ ◌ ॥ ✖)
  bool color = false;     // ANSI colour
  std::chrono::system_clock::time_point now{};
};

enum class tone { plain, good, busy, paused, bad, dim, bold };

// ANSI colour around `text` when `color`, else `text` unchanged.
[[nodiscard]] std::string paint(std::string_view text, tone t, bool color);

// Columns occupied by UTF-8 text: one per code point. The symbols and box-drawing characters used
// here are all one column wide in the terminals kubectl users run.
[[nodiscard]] std::size_t display_width(std::string_view text);

// The first `width` columns, ending in "…" when something was cut.
[[nodiscard]] std::string truncate_end(std::string_view text, std::size_t width);
// Keeps the start and the end, cutting the middle: names of generated objects differ at the end
// ("hello-7c5b9d6f8d-x2x4k"), so the end is what tells two rows apart.
[[nodiscard]] std::string truncate_middle(std::string_view text, std::size_t width);

[[nodiscard]] std::string pad_right(std::string_view text, std::size_t width);

// kubectl's age format (k8s.io/apimachinery/pkg/util/duration.HumanDuration): 45s, 3m20s, 25m,
// 5h10m, 20h, 3d4h, 30d, 2y45d.
[[nodiscard]] std::string human_duration(std::chrono::system_clock::duration d);

struct table_column {
  std::string header{};
  // A narrow terminal is fitted by dropping columns, the highest drop_rank first (0: kept)...
  int drop_rank = 0;
  // ...then by truncating columns down to their min_width (0: never truncated).
  std::size_t min_width = 0;
  bool truncate_middle = false;  // for generated names; otherwise the end is cut
};

struct table_cell {
  std::string prefix{};  // never truncated (tree glyphs)
  std::string text{};
  tone color = tone::plain;
};

using table_row = std::vector<table_cell>;

// The header and rows laid out with two spaces between columns, padded to the widest cell, and
// fitted to options.width: columns drop, then shrink, then lines are cut at the width. Trailing
// blanks are removed.
[[nodiscard]] std::vector<std::string> layout_table(const std::vector<table_column>& columns,
                                                    const std::vector<table_row>& rows,
                                                    const render_options& options);

// At most `rows` - 1 lines (the last one saying how many were left out), so that a view redrawn
// in place never scrolls: the cursor cannot move back up to lines that scrolled away. Text is
// returned unchanged when it fits or `rows` is unknown (0) or tiny.
[[nodiscard]] std::string fit_height(const std::string& text, std::size_t rows);

// A line cut to the width (when there is one).
[[nodiscard]] std::string fit_line(std::string_view line, std::size_t width);

}  // namespace rolloutd::cli
