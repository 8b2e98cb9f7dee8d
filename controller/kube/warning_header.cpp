#include "kube/warning_header.hpp"

#include <cctype>

namespace rolloutd::kube {

namespace {

void skip_spaces(std::string_view s, std::size_t& i) {
  while (i < s.size() && (s[i] == ' ' || s[i] == '\t')) ++i;
}

// A token (warn-code or warn-agent): everything up to the next space.
bool token(std::string_view s, std::size_t& i) {
  const std::size_t start = i;
  while (i < s.size() && s[i] != ' ' && s[i] != '\t' && s[i] != ',' && s[i] != '"') ++i;
  return i > start;
}

// A quoted-string with backslash escapes; false when unterminated.
bool quoted(std::string_view s, std::size_t& i, std::string& out) {
  if (i >= s.size() || s[i] != '"') return false;
  for (++i; i < s.size(); ++i) {
    if (s[i] == '\\' && i + 1 < s.size()) {
      out.push_back(s[++i]);
    } else if (s[i] == '"') {
      ++i;
      return true;
    } else {
      out.push_back(s[i]);
    }
  }
  return false;
}

}  // namespace

std::vector<std::string> parse_warning_header(std::string_view value) {
  std::vector<std::string> out;
  std::size_t i = 0;
  while (i < value.size()) {
    skip_spaces(value, i);
    std::string text;
    const bool ok = token(value, i) && (skip_spaces(value, i), token(value, i)) &&
                    (skip_spaces(value, i), quoted(value, i, text));
    if (ok && !text.empty()) {
      // An optional quoted warn-date may follow.
      skip_spaces(value, i);
      std::string date;
      if (i < value.size() && value[i] == '"') quoted(value, i, date);
      out.push_back(std::move(text));
    }
    // On to the next warning, after a comma outside quotes.
    bool in_quotes = false;
    for (; i < value.size(); ++i) {
      if (value[i] == '\\' && in_quotes) {
        ++i;
      } else if (value[i] == '"') {
        in_quotes = !in_quotes;
      } else if (value[i] == ',' && !in_quotes) {
        ++i;
        break;
      }
    }
  }
  return out;
}

}  // namespace rolloutd::kube
