#include <sys/stat.h>

#include <chrono>

#include "kube/config.hpp"
#include "kube/text_file.hpp"

namespace rolloutd::kube {
namespace {

class literal_token final : public token_source {
 public:
  explicit literal_token(std::string token) : token_(std::move(token)) {}
  std::string token() override { return token_; }

 private:
  const std::string token_;
};

// What identifies one version of the file. The kubelet replaces projected tokens by swapping a
// symlink, so stat() (which follows it) sees a new inode; an in-place rewrite changes mtime/size.
struct file_identity {
  dev_t device = 0;
  ino_t inode = 0;
  off_t size = 0;
  std::int64_t mtime_ns = 0;
  bool operator==(const file_identity&) const = default;
};

std::optional<file_identity> identify(const std::filesystem::path& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return std::nullopt;
  return file_identity{st.st_dev, st.st_ino, st.st_size,
                       static_cast<std::int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec};
}

class file_token final : public token_source {
 public:
  file_token(std::filesystem::path path, const rolloutd::clock& clock)
      : path_(std::move(path)), clock_(clock) {}

  std::string token() override {
    std::lock_guard lock(mu_);
    const auto now = clock_.now();
    // Every request asks for the token; a stat() per request is cheap but pointless, and tokens
    // are rotated long before they expire, so looking once a second is plenty.
    if (last_check_ && now - *last_check_ < std::chrono::seconds(1)) return token_;
    last_check_ = now;
    const auto id = identify(path_);
    if (!id) return token_;  // mid-rotation or gone: keep the last good token until it reappears
    if (seen_ && *id == *seen_) return token_;
    auto file = read_text_file(path_);
    if (!file.content) return token_;
    auto token = trim_space(std::move(*file.content));
    // An empty read is a writer caught between truncate and write; look again next time.
    if (token.empty()) return token_;
    token_ = std::move(token);
    seen_ = id;
    return token_;
  }

 private:
  const std::filesystem::path path_;
  const rolloutd::clock& clock_;
  std::mutex mu_;
  std::string token_;
  std::optional<file_identity> seen_;
  std::optional<rolloutd::clock::time_point> last_check_;
};

}  // namespace

std::unique_ptr<token_source> token_source::literal(std::string token) {
  return std::make_unique<literal_token>(std::move(token));
}

std::unique_ptr<token_source> token_source::file(std::filesystem::path path, const rolloutd::clock& clock) {
  return std::make_unique<file_token>(std::move(path), clock);
}

}  // namespace rolloutd::kube
