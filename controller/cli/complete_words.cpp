#include "cli/complete_words.hpp"

#include <string_view>

#include "cli/command_line.hpp"

namespace rolloutd::cli {

namespace {

bool starts_with(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix;
}

std::string_view first_word(std::string_view command_name) {
  return command_name.substr(0, command_name.find(' '));
}

const command_info* command_named(std::string_view word) {
  for (const auto& c : commands()) {
    if (first_word(c.name) == word) return &c;
  }
  return nullptr;
}

// The option `word` names (--name, --name=value, -x), among the global ones and the command's.
const option_spec* option_named(std::string_view word, const command_info* command) {
  std::string_view name;
  char short_name = '\0';
  if (starts_with(word, "--")) {
    name = word.substr(
        2, word.find('=') == std::string_view::npos ? std::string_view::npos : word.find('=') - 2);
  } else if (word.size() == 2 && word[0] == '-') {
    short_name = word[1];
  } else {
    return nullptr;
  }
  auto match = [&](const option_spec& o) {
    return short_name != '\0' ? o.short_name == short_name : o.name == name;
  };
  for (const auto& o : global_options()) {
    if (match(o)) return &o;
  }
  if (command != nullptr) {
    for (const auto& o : command->options) {
      if (match(o)) return &o;
    }
  }
  return nullptr;
}

void add_flags(const std::vector<option_spec>& options, completion_answer& out) {
  for (const auto& o : options) {
    const std::string word = "--" + o.name;
    if (starts_with(word, out.partial)) out.candidates.push_back(word);
  }
}

void add_words(const std::vector<std::string>& words, completion_answer& out) {
  for (const auto& w : words) {
    if (starts_with(w, out.partial)) out.candidates.push_back(w);
  }
}

std::vector<std::string> command_words() {
  std::vector<std::string> out;
  for (const auto& c : commands()) out.emplace_back(first_word(c.name));
  return out;
}

}  // namespace

completion_answer complete_words(const std::vector<std::string>& words) {
  completion_answer out;
  if (!words.empty()) out.partial = words.back();
  const command_info* command = nullptr;
  std::size_t args = 0;                  // positional words after the command's
  const option_spec* pending = nullptr;  // an option whose value is the next word
  const std::size_t before_cursor = words.empty() ? 0 : words.size() - 1;
  for (std::size_t i = 0; i < before_cursor; ++i) {
    const std::string& w = words[i];
    if (pending != nullptr) {
      if (pending->name == "kubeconfig") out.kubeconfig = w;
      if (pending->name == "context") out.context = w;
      if (pending->name == "namespace") out.namespace_name = w;
      pending = nullptr;
      continue;
    }
    if (starts_with(w, "-") && w != "-") {
      const option_spec* o = option_named(w, command);
      const auto eq = w.find('=');
      if (o != nullptr && o->takes_value && eq == std::string::npos) {
        pending = o;
      } else if (o != nullptr && eq != std::string::npos) {
        const std::string value = w.substr(eq + 1);
        if (o->name == "kubeconfig") out.kubeconfig = value;
        if (o->name == "context") out.context = value;
        if (o->name == "namespace") out.namespace_name = value;
      }
      continue;
    }
    if (command == nullptr) {
      command = command_named(w);
      if (command == nullptr) return out;  // an unknown command: nothing to offer
    } else {
      ++args;
    }
  }

  if (pending != nullptr) {  // the cursor is on an option's value
    if (pending->name == "namespace") out.ask = completion_answer::lookup::namespaces;
    if (pending->name == "kubeconfig") out.ask = completion_answer::lookup::files;
    return out;
  }
  if (starts_with(out.partial, "-")) {
    if (command != nullptr) add_flags(command->options, out);
    add_flags(global_options(), out);
    return out;
  }
  if (command == nullptr) {
    add_words(command_words(), out);
    return out;
  }
  switch (command->id) {
    case command_id::set_image:
      if (args == 0) {
        add_words({"image"}, out);
        return out;
      }
      --args;
      break;
    case command_id::completion:
      if (args == 0) add_words({"bash", "zsh"}, out);
      return out;
    case command_id::help:
      if (args == 0) add_words(command_words(), out);
      return out;
    case command_id::list:
    case command_id::version:
      return out;
    default:
      break;
  }
  if (args == 0) out.ask = completion_answer::lookup::policies;
  return out;
}

int completion_directive(const completion_answer& answer) {
  constexpr int no_file_completion = 4;
  constexpr int shell_default = 0;
  return answer.ask == completion_answer::lookup::files ? shell_default : no_file_completion;
}

}  // namespace rolloutd::cli
