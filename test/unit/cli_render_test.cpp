// Golden-output tests for `kubectl rp get`, `list` and `history`, rendered from fixed objects
// (test/data/cli/*.json) at a fixed time, as a wide terminal, a narrow one and a pipe would get them.

#include <gtest/gtest.h>

#include <sstream>

#include "cli/render.hpp"
#include "cli_test_support.hpp"

namespace rolloutd::cli {
namespace {

using testing::expect_golden;
using testing::items;
using testing::load_fixture;

render_options terminal(std::size_t width) {
  return {.width = width, .symbols = true, .color = false, .now = testing::fixture_now()};
}

render_options pipe() {
  return {.width = 0, .symbols = false, .color = false, .now = testing::fixture_now()};
}

rollout_view scene(const std::string& name) {
  const auto f = load_fixture(name);
  return make_rollout_view(f["policy"], items(f, "replicaSets"), items(f, "pods"));
}

std::vector<rollout_view> all_policies() {
  std::vector<rollout_view> out;
  for (const auto& p : items(load_fixture("policies.json"), "policies"))
    out.push_back(make_rollout_view(p, {}, {}));
  return out;
}

std::vector<revision_entry> canary_history() {
  const auto f = load_fixture("canary_paused.json");
  return revision_history("u-hello", items(f, "replicaSets"));
}

void expect_fits(const std::string& text, std::size_t width) {
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) EXPECT_LE(display_width(line), width) << line;
}

TEST(CliGetGolden, CanaryOnAWideTerminal) {
  expect_golden(render_get(scene("canary_paused.json"), terminal(120)), "get_canary_tty.txt");
}

TEST(CliGetGolden, CanaryOnANarrowTerminal) {
  const auto text = render_get(scene("canary_paused.json"), terminal(60));
  expect_fits(text, 60);
  expect_golden(text, "get_canary_narrow.txt");
}

TEST(CliGetGolden, CanaryToAPipe) {
  expect_golden(render_get(scene("canary_paused.json"), pipe()), "get_canary_notty.txt");
}

TEST(CliGetGolden, DegradedRollingUpdateToAPipe) {
  expect_golden(render_get(scene("rolling_degraded.json"), pipe()), "get_rolling_degraded_notty.txt");
}

TEST(CliGetGolden, VeryNarrowTerminalStillFits) {
  for (std::size_t width : {20u, 32u, 45u})
    expect_fits(render_get(scene("canary_paused.json"), terminal(width)), width);
}

TEST(CliGet, ColourOnlyOnRequest) {
  auto o = terminal(120);
  o.color = true;
  const auto coloured = render_get(scene("rolling_degraded.json"), o);
  EXPECT_NE(coloured.find("\x1b[31m✖ Degraded\x1b[0m"), std::string::npos) << coloured;
  EXPECT_NE(coloured.find("\x1b[31m✖ CrashLoopBackOff\x1b[0m"), std::string::npos);
  EXPECT_NE(coloured.find("\x1b[32m✔ Running\x1b[0m"), std::string::npos);
  EXPECT_EQ(render_get(scene("rolling_degraded.json"), terminal(120)).find('\x1b'), std::string::npos);
  EXPECT_EQ(render_get(scene("rolling_degraded.json"), pipe()).find('\x1b'), std::string::npos);
}

TEST(CliListGolden, AllNamespacesOnAWideTerminal) {
  expect_golden(render_list(all_policies(), true, terminal(140)), "list_all_tty.txt");
}

TEST(CliListGolden, AllNamespacesOnANarrowTerminal) {
  const auto text = render_list(all_policies(), true, terminal(50));
  expect_fits(text, 50);
  expect_golden(text, "list_all_narrow.txt");
}

TEST(CliListGolden, ToAPipe) {
  expect_golden(render_list(all_policies(), false, pipe()), "list_notty.txt");
}

TEST(CliHistoryGolden, ToAPipe) {
  expect_golden(render_history("hello", canary_history(), pipe()), "history_notty.txt");
}

TEST(CliHistoryGolden, OnANarrowTerminal) {
  const auto text = render_history("hello", canary_history(), terminal(40));
  expect_fits(text, 40);
  expect_golden(text, "history_narrow.txt");
}

TEST(CliHistoryGolden, OneRevision) {
  const auto history = canary_history();
  ASSERT_EQ(history.size(), 3u);
  expect_golden(render_revision("hello", history[1], pipe()), "history_revision_2.txt");
}

}  // namespace
}  // namespace rolloutd::cli
