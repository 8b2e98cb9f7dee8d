#pragma once

// `kubectl rp <TAB>`: kubectl (1.26 and later) completes a plugin's arguments by running
// `kubectl_complete-rp ARGS... PARTIAL` from PATH, which runs `kubectl-rp __complete ARGS... PARTIAL`
// and prints Cobra's answer: one candidate per line, then `:DIRECTIVE`. This is the pure half:
// which words fit where the cursor is, and whether the cluster must be asked for names. The same
// rules as the bash and zsh scripts of `kubectl rp completion`, taken from the command table.

#include <optional>
#include <string>
#include <vector>

namespace rolloutd::cli {

struct completion_answer {
  enum class lookup { none, policies, namespaces, files };
  std::vector<std::string> candidates;  // fixed words that start with the partial word
  lookup ask = lookup::none;            // names to ask the cluster for (policies, namespaces) or files
  std::string partial;                  // the word being completed
  // The global flags on the line, for asking the cluster as the command would.
  std::optional<std::string> kubeconfig, context, namespace_name;
};

// `words`: the arguments after `rp`, the last one being the (possibly empty) word under the cursor.
[[nodiscard]] completion_answer complete_words(const std::vector<std::string>& words);

// Cobra's directives: 4 (no file completion) unless the answer is files (0, the shell's default).
[[nodiscard]] int completion_directive(const completion_answer& answer);

}  // namespace rolloutd::cli
