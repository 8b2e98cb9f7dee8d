#pragma once

// `kubectl rp completion bash|zsh`: shell completion of commands, flags, namespaces, contexts and
// policy names (asked of the cluster with kubectl when the user presses TAB). The scripts are
// generated from the command table, so a new command or flag completes without further edits.

#include <optional>
#include <string>
#include <string_view>

namespace rolloutd::cli {

// nullopt for a shell without a script.
[[nodiscard]] std::optional<std::string> completion_script(std::string_view shell);

}  // namespace rolloutd::cli
