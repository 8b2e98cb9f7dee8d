#include "metrics/process_collector.hpp"

#include <gtest/gtest.h>
#include <prometheus/metric_family.h>
#include <stdlib.h>
#include <unistd.h>

#include <filesystem>
#include <map>
#include <string>
#include <vector>

namespace rolloutd {
namespace {

const std::filesystem::path fake_proc = std::filesystem::path(ROLLOUTD_TEST_DATA) / "proc";

// Fields 3..24 of a stat line after the command: state ... utime(14)=7 stime(15)=3
// starttime(22)=900 vsize(23)=4096 rss(24)=5.
constexpr std::string_view stat_tail = " S 1 2 3 0 -1 0 0 0 0 0 7 3 0 0 20 0 1 0 900 4096 5 0 0";

TEST(ProcStat, ReadsTheFieldsAfterTheCommandName) {
  for (const std::string comm : {"(rolloutd)", "(a b)", "(x) (y))", "(a(b)"}) {
    SCOPED_TRACE(comm);
    const auto stat = parse_proc_stat("42 " + comm + std::string(stat_tail));
    ASSERT_TRUE(stat.has_value());
    EXPECT_EQ(stat->utime_ticks, 7U);
    EXPECT_EQ(stat->stime_ticks, 3U);
    EXPECT_EQ(stat->start_ticks, 900U);
    EXPECT_EQ(stat->vsize_bytes, 4096U);
    EXPECT_EQ(stat->rss_pages, 5U);
  }
}

TEST(ProcStat, MalformedLinesAreRefused) {
  const std::vector<std::string> bad = {
      "",
      "42 rolloutd S 1 2 3",                                                   // no parentheses
      "42 (rolloutd) S 1 2 3 0 -1 0 0 0 0 0 7 3",                              // cut short
      "42 (rolloutd) S 1 2 3 0 -1 0 0 0 0 0 seven 3 0 0 20 0 1 0 900 4096 5",  // not a number
      "42 (rolloutd) S 1 2 3 0 -1 0 0 0 0 0 7 3 0 0 20 0 1 0 900 -4096 5",     // negative size
      ") 42 (rolloutd S 1 2 3 0 -1 0 0 0 0 0 7 3 0 0 20 0 1 0 900 4096 5",     // ')' before '('
  };
  for (const auto& line : bad) EXPECT_FALSE(parse_proc_stat(line).has_value()) << line;
}

TEST(ProcStat, BootTimeComesFromTheBtimeLine) {
  EXPECT_EQ(parse_boot_time("cpu 1 2\nbtime 1700000000\nprocesses 3\n"), 1700000000);
  EXPECT_EQ(parse_boot_time("btime 5"), 5);
  EXPECT_FALSE(parse_boot_time("cpu 1 2\nprocesses 3\n").has_value());
  EXPECT_FALSE(parse_boot_time("btime soon\n").has_value());
  EXPECT_FALSE(parse_boot_time("xbtime 5\n").has_value());
  EXPECT_FALSE(parse_boot_time("btime 99999999999999999999999\n").has_value());
}

std::map<std::string, prometheus::MetricFamily> by_name(
    const std::vector<prometheus::MetricFamily>& families) {
  std::map<std::string, prometheus::MetricFamily> out;
  for (const auto& f : families) out.emplace(f.name, f);
  return out;
}

TEST(ProcessCollector, ComputesTheSeriesFromProcFiles) {
  const double ticks = static_cast<double>(::sysconf(_SC_CLK_TCK));
  const double page = static_cast<double>(::sysconf(_SC_PAGESIZE));
  const auto families = by_name(process_collector(fake_proc).Collect());
  ASSERT_EQ(families.size(), 5U);
  EXPECT_EQ(families.at("process_cpu_seconds_total").type, prometheus::MetricType::Counter);
  EXPECT_DOUBLE_EQ(families.at("process_cpu_seconds_total").metric.at(0).counter.value, 400 / ticks);
  EXPECT_DOUBLE_EQ(families.at("process_resident_memory_bytes").metric.at(0).gauge.value, 2560 * page);
  EXPECT_DOUBLE_EQ(families.at("process_virtual_memory_bytes").metric.at(0).gauge.value, 104857600);
  EXPECT_DOUBLE_EQ(families.at("process_start_time_seconds").metric.at(0).gauge.value,
                   1700000000 + 12345 / ticks);
  EXPECT_DOUBLE_EQ(families.at("process_open_fds").metric.at(0).gauge.value, 3);
}

TEST(ProcessCollector, LeavesOutWhatItCannotRead) {
  // No such process directory: no series at all, and no exception.
  EXPECT_TRUE(process_collector(fake_proc, "no-such-pid").Collect().empty());
  // A process directory without /proc/stat beside it: everything but the start time.
  std::string dir = (std::filesystem::temp_directory_path() / "rolloutd-proc-test-XXXXXX").string();
  ASSERT_NE(::mkdtemp(dir.data()), nullptr);
  std::filesystem::create_directory(std::filesystem::path(dir) / "self");
  std::filesystem::copy_file(fake_proc / "self" / "stat", std::filesystem::path(dir) / "self" / "stat");
  const auto families = by_name(process_collector(dir).Collect());
  std::filesystem::remove_all(dir);
  EXPECT_TRUE(families.contains("process_resident_memory_bytes"));
  EXPECT_TRUE(families.contains("process_cpu_seconds_total"));
  EXPECT_FALSE(families.contains("process_start_time_seconds"));
}

}  // namespace
}  // namespace rolloutd
