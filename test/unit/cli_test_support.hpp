#pragma once

// Shared by the kubectl-rp tests: fixtures under test/data/cli and golden-output comparison.
// ROLLOUTD_UPDATE_GOLDEN=1 rewrites the golden files from the current output (review the diff).

#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace rolloutd::cli::testing {

inline std::string data_path(const std::string& name) {
  return std::string(ROLLOUTD_TEST_DATA) + "/cli/" + name;
}

inline std::string read_text(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// A missing or broken fixture fails the test instead of reading as an empty object.
inline nlohmann::json load_fixture(const std::string& name) {
  auto j = nlohmann::json::parse(read_text(data_path(name)), nullptr, false);
  EXPECT_FALSE(j.is_discarded()) << "fixture " << name;
  return j;
}

inline std::vector<nlohmann::json> items(const nlohmann::json& fixture, const char* key) {
  std::vector<nlohmann::json> out;
  if (auto it = fixture.find(key); it != fixture.end() && it->is_array()) out.assign(it->begin(), it->end());
  return out;
}

// The fixtures' "now": an hour after the canary policy was created.
inline std::chrono::system_clock::time_point fixture_now() {
  return std::chrono::sys_days{std::chrono::year{2026} / 1 / 1} + std::chrono::hours(1);
}

inline void expect_golden(const std::string& actual, const std::string& golden_name) {
  const std::string path = data_path("golden/" + golden_name);
  if (const char* update = std::getenv("ROLLOUTD_UPDATE_GOLDEN");
      update != nullptr && std::string(update) == "1") {
    std::ofstream(path) << actual;
    GTEST_SKIP() << "rewrote " << path;
  }
  std::ifstream probe(path);
  ASSERT_TRUE(probe.good()) << "no golden file " << path
                            << " (run with ROLLOUTD_UPDATE_GOLDEN=1 to create it)";
  EXPECT_EQ(actual, read_text(path)) << "output differs from " << path;
}

}  // namespace rolloutd::cli::testing
