#include "cli/text_layout.hpp"

#include <algorithm>

namespace rolloutd::cli {

namespace {

constexpr std::string_view ellipsis = "…";

bool continuation_byte(char c) {
  return (static_cast<unsigned char>(c) & 0xC0) == 0x80;
}

// Byte offset just past the first `columns` code points (or the end).
std::size_t byte_offset(std::string_view text, std::size_t columns) {
  std::size_t i = 0;
  for (std::size_t seen = 0; i < text.size(); ++i) {
    if (continuation_byte(text[i])) continue;
    if (seen == columns) return i;
    ++seen;
  }
  return text.size();
}

// Byte offset where the last `columns` code points begin.
std::size_t tail_offset(std::string_view text, std::size_t columns) {
  const std::size_t total = display_width(text);
  return columns >= total ? 0 : byte_offset(text, total - columns);
}

std::string rtrim(std::string s) {
  while (!s.empty() && s.back() == ' ') s.pop_back();
  return s;
}

std::size_t cell_width(const table_cell& c) {
  return display_width(c.prefix) + display_width(c.text);
}

}  // namespace

std::string paint(std::string_view text, tone t, bool color) {
  if (!color || t == tone::plain || text.empty()) return std::string(text);
  std::string_view code;
  switch (t) {
    case tone::good:
      code = "32";
      break;
    case tone::busy:
      code = "33";
      break;
    case tone::paused:
      code = "36";
      break;
    case tone::bad:
      code = "31";
      break;
    case tone::dim:
      code = "2";
      break;
    case tone::bold:
      code = "1";
      break;
    case tone::plain:
      break;
  }
  std::string out = "\x1b[";
  out += code;
  out += 'm';
  out += text;
  out += "\x1b[0m";
  return out;
}

std::size_t display_width(std::string_view text) {
  return static_cast<std::size_t>(
      std::count_if(text.begin(), text.end(), [](char c) { return !continuation_byte(c); }));
}

std::string truncate_end(std::string_view text, std::size_t width) {
  if (display_width(text) <= width) return std::string(text);
  if (width == 0) return {};
  std::string out(text.substr(0, byte_offset(text, width - 1)));
  return out + std::string(ellipsis);
}

std::string truncate_middle(std::string_view text, std::size_t width) {
  if (display_width(text) <= width) return std::string(text);
  if (width < 3) return truncate_end(text, width);
  const std::size_t keep = width - 1;
  const std::size_t tail = keep / 2 + keep % 2;  // the distinguishing end gets the odd column
  const std::size_t head = keep - tail;
  std::string out(text.substr(0, byte_offset(text, head)));
  out += ellipsis;
  out += text.substr(tail_offset(text, tail));
  return out;
}

std::string pad_right(std::string_view text, std::size_t width) {
  std::string out(text);
  const std::size_t w = display_width(text);
  if (w < width) out.append(width - w, ' ');
  return out;
}

std::string human_duration(std::chrono::system_clock::duration d) {
  using namespace std::chrono;
  const auto seconds = duration_cast<std::chrono::seconds>(d).count();
  if (seconds < -1) return "<invalid>";
  if (seconds < 0) return "0s";
  if (seconds < 120) return std::to_string(seconds) + "s";
  const auto minutes = seconds / 60;
  if (minutes < 10) {
    const auto s = seconds % 60;
    return std::to_string(minutes) + "m" + (s == 0 ? "" : std::to_string(s) + "s");
  }
  if (minutes < 180) return std::to_string(minutes) + "m";
  const auto hours = minutes / 60;
  if (hours < 8) {
    const auto m = minutes % 60;
    return std::to_string(hours) + "h" + (m == 0 ? "" : std::to_string(m) + "m");
  }
  if (hours < 48) return std::to_string(hours) + "h";
  const auto days = hours / 24;
  if (hours < 24 * 8) {
    const auto h = hours % 24;
    return std::to_string(days) + "d" + (h == 0 ? "" : std::to_string(h) + "h");
  }
  if (days < 365 * 2) return std::to_string(days) + "d";
  const auto years = days / 365;
  if (years < 8) {
    const auto rest = days % 365;
    return std::to_string(years) + "y" + (rest == 0 ? "" : std::to_string(rest) + "d");
  }
  return std::to_string(years) + "y";
}

std::string fit_height(const std::string& text, std::size_t rows) {
  const auto lines = static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n'));
  if (rows < 3 || lines < rows) return text;
  std::size_t end = 0;
  for (std::size_t kept = 0; kept < rows - 2; ++kept) end = text.find('\n', end) + 1;
  return text.substr(0, end) + "… " + std::to_string(lines - (rows - 2)) +
         " more lines (enlarge the terminal)\n";
}

std::string fit_line(std::string_view line, std::size_t width) {
  if (width == 0) return std::string(line);
  return truncate_end(line, width);
}

std::vector<std::string> layout_table(const std::vector<table_column>& columns,
                                      const std::vector<table_row>& rows, const render_options& options) {
  constexpr std::size_t gap = 2;
  const std::size_t n = columns.size();
  std::vector<std::size_t> widths(n, 0);
  std::vector<bool> shown(n, true);
  for (std::size_t i = 0; i < n; ++i) {
    widths[i] = display_width(columns[i].header);
    for (const auto& row : rows) {
      if (i < row.size()) widths[i] = std::max(widths[i], cell_width(row[i]));
    }
  }
  auto total = [&] {
    std::size_t sum = 0;
    std::size_t count = 0;
    for (std::size_t i = 0; i < n; ++i) {
      if (!shown[i]) continue;
      sum += widths[i];
      ++count;
    }
    return count == 0 ? 0 : sum + gap * (count - 1);
  };

  if (options.width > 0) {
    // 1. Drop columns, highest rank first: a whole name is worth more than an extra column.
    while (total() > options.width) {
      std::size_t worst = n;
      for (std::size_t i = 0; i < n; ++i) {
        if (shown[i] && columns[i].drop_rank > 0 &&
            (worst == n || columns[i].drop_rank > columns[worst].drop_rank))
          worst = i;
      }
      if (worst == n) break;
      shown[worst] = false;
    }
    // 2. Shrink the truncatable columns, widest first, each down to its minimum.
    while (total() > options.width) {
      std::size_t best = n;
      for (std::size_t i = 0; i < n; ++i) {
        if (!shown[i] || columns[i].min_width == 0 ||
            widths[i] <= std::max(columns[i].min_width, display_width(columns[i].header)))
          continue;
        if (best == n || widths[i] > widths[best]) best = i;
      }
      if (best == n) break;
      const std::size_t floor = std::max(columns[best].min_width, display_width(columns[best].header));
      widths[best] = std::max(floor, widths[best] - std::min(widths[best] - floor, total() - options.width));
    }
  }

  auto render = [&](const std::vector<table_cell>& cells) {
    std::string line;
    std::size_t used = 0;
    bool first = true;
    for (std::size_t i = 0; i < n; ++i) {
      if (!shown[i]) continue;
      std::size_t width = widths[i];
      const std::size_t start = used + (first ? 0 : gap);
      if (options.width > 0 && start >= options.width) break;
      // 3. Whatever still does not fit is cut at the terminal's edge.
      if (options.width > 0) width = std::min(width, options.width - start);
      table_cell cell = i < cells.size() ? cells[i] : table_cell{};
      const std::size_t prefix_width = display_width(cell.prefix);
      if (prefix_width > width) {
        cell.prefix = truncate_end(cell.prefix, width);
        cell.text.clear();
      } else if (cell_width(cell) > width) {
        cell.text = columns[i].truncate_middle ? truncate_middle(cell.text, width - prefix_width)
                                               : truncate_end(cell.text, width - prefix_width);
      }
      if (!first) line.append(gap, ' ');
      const std::size_t w = cell_width(cell);
      line += cell.prefix;
      line += paint(cell.text, cell.color, options.color);
      if (w < width) line.append(width - w, ' ');
      used = start + width;
      first = false;
    }
    return rtrim(std::move(line));
  };

  std::vector<std::string> out;
  out.reserve(rows.size() + 1);
  std::vector<table_cell> header;
  for (const auto& c : columns) header.push_back({.text = c.header});
  out.push_back(render(header));
  for (const auto& row : rows) out.push_back(render(row));
  return out;
}

}  // namespace rolloutd::cli
