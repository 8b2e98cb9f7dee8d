#include "common/args.hpp"

#include <algorithm>
#include <sstream>

namespace rolloutd {

std::optional<std::string> parsed_args::get(std::string_view name) const {
  auto it = values.find(name);
  if (it == values.end()) return std::nullopt;
  return it->second;
}

namespace {

const option_spec* find_long(const std::vector<option_spec>& specs, std::string_view name) {
  auto it = std::find_if(specs.begin(), specs.end(), [&](const auto& s) { return s.name == name; });
  return it == specs.end() ? nullptr : &*it;
}

const option_spec* find_short(const std::vector<option_spec>& specs, char c) {
  auto it = std::find_if(specs.begin(), specs.end(), [&](const auto& s) { return s.short_name == c; });
  return it == specs.end() ? nullptr : &*it;
}

}  // namespace

parse_result parse_args(const std::vector<option_spec>& specs, const std::vector<std::string>& argv) {
  parse_result result;
  bool only_positional = false;
  for (std::size_t i = 0; i < argv.size(); ++i) {
    const std::string& arg = argv[i];
    if (only_positional || arg.size() < 2 || arg[0] != '-') {
      result.args.positional.push_back(arg);
      continue;
    }
    if (arg == "--") {
      only_positional = true;
      continue;
    }
    const option_spec* spec = nullptr;
    std::optional<std::string> inline_value;
    if (arg.starts_with("--")) {
      std::string_view body = std::string_view(arg).substr(2);
      if (auto eq = body.find('='); eq != std::string_view::npos) {
        inline_value = std::string(body.substr(eq + 1));
        body = body.substr(0, eq);
      }
      spec = find_long(specs, body);
    } else if (arg.size() == 2) {
      spec = find_short(specs, arg[1]);
    } else {
      // -nvalue
      spec = find_short(specs, arg[1]);
      if (spec != nullptr && spec->takes_value)
        inline_value = arg.substr(2);
      else
        spec = nullptr;
    }
    if (spec == nullptr) {
      result.error = "unknown flag: " + arg;
      return result;
    }
    if (!spec->takes_value) {
      result.args.values[spec->name] = inline_value.value_or("true");
      continue;
    }
    if (inline_value) {
      result.args.values[spec->name] = *inline_value;
    } else if (i + 1 < argv.size()) {
      result.args.values[spec->name] = argv[++i];
    } else {
      result.error = "flag needs an argument: " + arg;
      return result;
    }
  }
  return result;
}

std::string format_options(const std::vector<option_spec>& specs) {
  std::ostringstream out;
  for (const auto& s : specs) {
    std::string left = "  ";
    left += s.short_name != '\0' ? std::string{'-', s.short_name} + ", " : "    ";
    left += "--" + s.name + (s.takes_value ? " VALUE" : "");
    out << left;
    out << std::string(left.size() < 32 ? 32 - left.size() : 1, ' ') << s.help;
    if (!s.default_value.empty()) out << " (default " << s.default_value << ")";
    out << '\n';
  }
  return out.str();
}

}  // namespace rolloutd
