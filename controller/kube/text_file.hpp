#pragma once

// Reads the small files configuration points at (kubeconfig, CA bundles, keys, tokens) with an
// error that says why (errno text) but never echoes the content.

#include <filesystem>
#include <optional>
#include <string>

namespace rolloutd::kube {

struct text_file {
  std::optional<std::string> content;
  std::string error;  // e.g. "cannot read: No such file or directory"; empty on success
};

// Anything larger than this is not a credential or a kubeconfig; refusing it also keeps a path
// such as /dev/zero from reading forever.
inline constexpr std::size_t max_config_file_size = 16 * 1024 * 1024;

[[nodiscard]] text_file read_text_file(const std::filesystem::path& path);

// Strips leading and trailing whitespace, as kubectl does for token files.
[[nodiscard]] std::string trim_space(std::string text);

}  // namespace rolloutd::kube
