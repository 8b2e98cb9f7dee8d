#pragma once

// Shared by the configuration tests: a scratch directory removed afterwards, a fake environment,
// and file helpers.

#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <string>

#include "kube/config.hpp"

namespace rolloutd::kube::testing {

inline const std::filesystem::path fixtures = std::filesystem::path(ROLLOUTD_TEST_DATA) / "kubeconfig";

class temp_dir {
 public:
  temp_dir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "rolloutd-config-test-XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    path_ = pattern;
  }
  temp_dir(const temp_dir&) = delete;
  temp_dir& operator=(const temp_dir&) = delete;
  ~temp_dir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  [[nodiscard]] const std::filesystem::path& path() const { return path_; }
  std::filesystem::path operator/(const std::string& name) const { return path_ / name; }

 private:
  std::filesystem::path path_;
};

inline void write_file(const std::filesystem::path& path, const std::string& content) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << content;
  if (!out) throw std::runtime_error("cannot write " + path.string());
}

// Replaces `path` atomically, as the kubelet does when it rotates a projected token.
inline void replace_file(const std::filesystem::path& path, const std::string& content) {
  auto next = path;
  next += ".next";
  write_file(next, content);
  std::filesystem::rename(next, path);
}

inline std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// An environment made of exactly these variables.
inline env_lookup fake_env(std::map<std::string, std::string> vars) {
  return [vars = std::move(vars)](std::string_view name) -> std::optional<std::string> {
    auto it = vars.find(std::string(name));
    if (it == vars.end()) return std::nullopt;
    return it->second;
  };
}

}  // namespace rolloutd::kube::testing
