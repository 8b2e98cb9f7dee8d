#include "kube/text_file.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace rolloutd::kube {
namespace {

std::string errno_text(int err) {
  return std::strerror(err);
}

// Closes the descriptor on every path out of read_text_file.
class fd_guard {
 public:
  explicit fd_guard(int fd) : fd_(fd) {}
  fd_guard(const fd_guard&) = delete;
  fd_guard& operator=(const fd_guard&) = delete;
  ~fd_guard() {
    if (fd_ >= 0) ::close(fd_);
  }
  [[nodiscard]] int get() const { return fd_; }

 private:
  int fd_;
};

}  // namespace

text_file read_text_file(const std::filesystem::path& path) {
  fd_guard fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) return {std::nullopt, "cannot read: " + errno_text(errno)};
  std::string content;
  char buffer[8192];
  for (;;) {
    const ssize_t n = ::read(fd.get(), buffer, sizeof buffer);
    if (n < 0) {
      if (errno == EINTR) continue;
      return {std::nullopt, "cannot read: " + errno_text(errno)};
    }
    if (n == 0) break;
    if (content.size() + static_cast<std::size_t>(n) > max_config_file_size) {
      return {std::nullopt, "cannot read: larger than 16 MiB"};
    }
    content.append(buffer, static_cast<std::size_t>(n));
  }
  return {std::move(content), {}};
}

std::string trim_space(std::string text) {
  constexpr std::string_view space = " \t\r\n\v\f";
  const auto last = text.find_last_not_of(space);
  if (last == std::string::npos) return {};
  text.erase(last + 1);
  text.erase(0, text.find_first_not_of(space));
  return text;
}

}  // namespace rolloutd::kube
