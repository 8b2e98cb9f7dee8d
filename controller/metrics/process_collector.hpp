#pragma once

// The process_* series of the Prometheus conventions (memory, CPU time, start time, open file
// descriptors), which prometheus-cpp does not provide. Read from /proc at scrape time, so they cost
// nothing between scrapes. Linux only; where /proc cannot be read or parsed the affected series
// are left out of the scrape, never invented.

#include <prometheus/collectable.h>

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string_view>
#include <vector>

namespace rolloutd {

// The fields of /proc/<pid>/stat that the collector needs (see proc(5)).
struct proc_stat {
  std::uint64_t utime_ticks = 0;
  std::uint64_t stime_ticks = 0;
  std::uint64_t start_ticks = 0;  // since boot
  std::uint64_t vsize_bytes = 0;
  std::uint64_t rss_pages = 0;
};

// Parses the one line of /proc/<pid>/stat. The command name (field 2) may hold spaces and
// parentheses, so the fields are counted from the last ')'. nullopt when the line is malformed.
[[nodiscard]] std::optional<proc_stat> parse_proc_stat(std::string_view text);
// The "btime" line of /proc/stat: boot time in seconds since the epoch.
[[nodiscard]] std::optional<std::int64_t> parse_boot_time(std::string_view text);

class process_collector final : public prometheus::Collectable {
 public:
  // proc_root is "/proc" in production; tests point it at fixture files. self is the directory
  // under it for this process ("self").
  explicit process_collector(std::filesystem::path proc_root = "/proc", std::string_view self = "self");

  [[nodiscard]] std::vector<prometheus::MetricFamily> Collect() const override;

 private:
  std::filesystem::path root_;
  std::filesystem::path self_;
  double ticks_per_second_;
  double page_size_;
};

}  // namespace rolloutd
