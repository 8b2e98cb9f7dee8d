#include "metrics/process_collector.hpp"

#include <prometheus/metric_family.h>
#include <unistd.h>

#include <charconv>
#include <fstream>
#include <iterator>
#include <limits>
#include <string>
#include <system_error>

namespace rolloutd {
namespace {

// Fields of /proc/<pid>/stat counted from 1, as proc(5) numbers them; field 3 is the first after ')'.
constexpr std::size_t first_field_after_comm = 3;
constexpr std::size_t utime_field = 14;
constexpr std::size_t stime_field = 15;
constexpr std::size_t starttime_field = 22;
constexpr std::size_t vsize_field = 23;
constexpr std::size_t rss_field = 24;

std::optional<std::uint64_t> to_u64(std::string_view s) {
  std::uint64_t v = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
  return v;
}

std::vector<std::string_view> split_spaces(std::string_view s) {
  std::vector<std::string_view> out;
  std::size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && (s[i] == ' ' || s[i] == '\n')) ++i;
    const auto begin = i;
    while (i < s.size() && s[i] != ' ' && s[i] != '\n') ++i;
    if (i > begin) out.push_back(s.substr(begin, i - begin));
  }
  return out;
}

// /proc files report a size of 0, so they are read to the end rather than by size.
std::optional<std::string> read_all(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) return std::nullopt;
  return text;
}

prometheus::MetricFamily gauge_family(std::string name, std::string help, prometheus::MetricType type,
                                      double value) {
  prometheus::MetricFamily family;
  family.name = std::move(name);
  family.help = std::move(help);
  family.type = type;
  prometheus::ClientMetric metric;
  if (type == prometheus::MetricType::Counter) {
    metric.counter.value = value;
  } else {
    metric.gauge.value = value;
  }
  family.metric.push_back(std::move(metric));
  return family;
}

}  // namespace

std::optional<proc_stat> parse_proc_stat(std::string_view text) {
  const auto close = text.rfind(')');
  if (close == std::string_view::npos || text.find('(') > close) return std::nullopt;
  const auto fields = split_spaces(text.substr(close + 1));
  auto field = [&](std::size_t number) -> std::optional<std::uint64_t> {
    const auto index = number - first_field_after_comm;
    if (index >= fields.size()) return std::nullopt;
    return to_u64(fields[index]);
  };
  const auto utime = field(utime_field);
  const auto stime = field(stime_field);
  const auto start = field(starttime_field);
  const auto vsize = field(vsize_field);
  const auto rss = field(rss_field);
  if (!utime || !stime || !start || !vsize || !rss) return std::nullopt;
  return proc_stat{.utime_ticks = *utime,
                   .stime_ticks = *stime,
                   .start_ticks = *start,
                   .vsize_bytes = *vsize,
                   .rss_pages = *rss};
}

std::optional<std::int64_t> parse_boot_time(std::string_view text) {
  std::size_t line_start = 0;
  while (line_start < text.size()) {
    auto line_end = text.find('\n', line_start);
    if (line_end == std::string_view::npos) line_end = text.size();
    const auto line = text.substr(line_start, line_end - line_start);
    constexpr std::string_view key = "btime ";
    if (line.starts_with(key)) {
      const auto value = to_u64(line.substr(key.size()));
      if (!value || *value > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()))
        return std::nullopt;
      return static_cast<std::int64_t>(*value);
    }
    line_start = line_end + 1;
  }
  return std::nullopt;
}

process_collector::process_collector(std::filesystem::path proc_root, std::string_view self)
    : root_(std::move(proc_root)),
      self_(root_ / self),
      ticks_per_second_(static_cast<double>(::sysconf(_SC_CLK_TCK))),
      page_size_(static_cast<double>(::sysconf(_SC_PAGESIZE))) {}

std::vector<prometheus::MetricFamily> process_collector::Collect() const {
  using prometheus::MetricType;
  std::vector<prometheus::MetricFamily> out;
  const auto stat_text = read_all(self_ / "stat");
  const auto stat = stat_text ? parse_proc_stat(*stat_text) : std::nullopt;
  if (stat && ticks_per_second_ > 0) {
    out.push_back(gauge_family(
        "process_cpu_seconds_total", "Total user and system CPU time spent in seconds.", MetricType::Counter,
        static_cast<double>(stat->utime_ticks + stat->stime_ticks) / ticks_per_second_));
    out.push_back(gauge_family("process_resident_memory_bytes", "Resident memory size in bytes.",
                               MetricType::Gauge, static_cast<double>(stat->rss_pages) * page_size_));
    out.push_back(gauge_family("process_virtual_memory_bytes", "Virtual memory size in bytes.",
                               MetricType::Gauge, static_cast<double>(stat->vsize_bytes)));
    const auto boot_text = read_all(root_ / "stat");
    if (const auto boot = boot_text ? parse_boot_time(*boot_text) : std::nullopt) {
      out.push_back(gauge_family(
          "process_start_time_seconds", "Start time of the process since unix epoch in seconds.",
          MetricType::Gauge,
          static_cast<double>(*boot) + static_cast<double>(stat->start_ticks) / ticks_per_second_));
    }
  }
  std::error_code ec;
  std::size_t fds = 0;
  for (auto it = std::filesystem::directory_iterator(self_ / "fd", ec);
       !ec && it != std::filesystem::directory_iterator(); it.increment(ec)) {
    ++fds;
  }
  if (!ec) {
    out.push_back(gauge_family("process_open_fds", "Number of open file descriptors.", MetricType::Gauge,
                               static_cast<double>(fds)));
  }
  return out;
}

}  // namespace rolloutd
