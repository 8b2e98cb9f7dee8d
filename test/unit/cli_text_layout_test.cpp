// Widths of UTF-8 text, truncation, kubectl's age format and tables fitted to a terminal.

#include <gtest/gtest.h>

#include "cli/errors.hpp"
#include "cli/text_layout.hpp"

namespace rolloutd::cli {
namespace {

using namespace std::chrono_literals;

TEST(CliText, WidthAndTruncation) {
  EXPECT_EQ(display_width("hello"), 5u);
  EXPECT_EQ(display_width("✔ Healthy"), 9u);
  EXPECT_EQ(display_width("├──x"), 4u);
  EXPECT_EQ(truncate_end("hello-world", 8), "hello-w…");
  EXPECT_EQ(truncate_end("✔✔✔✔", 3), "✔✔…");
  EXPECT_EQ(truncate_end("short", 8), "short");
  EXPECT_EQ(truncate_end("abc", 0), "");
  EXPECT_EQ(truncate_middle("hello-7c5b9d6f8d-x2x4k", 12), "hello…-x2x4k");
  EXPECT_EQ(display_width(truncate_middle("hello-7c5b9d6f8d-x2x4k", 12)), 12u);
  EXPECT_EQ(truncate_middle("abcdef", 2), "a…");
  EXPECT_EQ(pad_right("✔", 3), "✔  ");
}

TEST(CliText, HumanDurationAsKubectl) {
  const std::vector<std::pair<std::chrono::system_clock::duration, std::string>> cases = {
      {-5s, "<invalid>"},
      {-1s, "0s"},
      {0s, "0s"},
      {59s, "59s"},
      {119s, "119s"},
      {120s, "2m"},
      {200s, "3m20s"},
      {600s, "10m"},
      {179min, "179m"},
      {3h, "3h"},
      {5h + 10min, "5h10m"},
      {8h, "8h"},
      {47h, "47h"},
      {48h, "2d"},
      {3 * 24h + 4h, "3d4h"},
      {8 * 24h, "8d"},
      {729 * 24h, "729d"},
      {730 * 24h, "2y"},
      {(2 * 365 + 45) * 24h, "2y45d"},
      {9 * 365 * 24h, "9y"}};
  for (const auto& [d, text] : cases) EXPECT_EQ(human_duration(d), text) << text;
}

TEST(CliText, TableFitsByDroppingThenShrinkingThenCutting) {
  const std::vector<table_column> columns = {
      {.header = "NAME", .min_width = 6, .truncate_middle = true},
      {.header = "EXTRA", .drop_rank = 1},
      {.header = "STATUS"},
  };
  const std::vector<table_row> rows = {
      {{.prefix = "└──", .text = "a-very-long-name"}, {.text = "x"}, {.text = "Healthy"}},
  };
  render_options wide;
  auto lines = layout_table(columns, rows, wide);
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[0], "NAME                 EXTRA  STATUS");
  EXPECT_EQ(lines[1], "└──a-very-long-name  x      Healthy");

  render_options o{.width = 30};
  lines = layout_table(columns, rows, o);
  EXPECT_EQ(lines[0], "NAME                 STATUS");  // EXTRA went first
  EXPECT_EQ(lines[1], "└──a-very-long-name  Healthy");
  o.width = 20;
  lines = layout_table(columns, rows, o);
  EXPECT_EQ(lines[0], "NAME         STATUS");  // then the name shrank, keeping its prefix and its end
  EXPECT_EQ(lines[1], "└──a-v…name  Healthy");
  o.width = 10;
  lines = layout_table(columns, rows, o);
  for (const auto& l : lines) EXPECT_LE(display_width(l), 10u) << l;  // then the edge cuts
  EXPECT_EQ(lines[1], "└──a…e  H…");
}

TEST(CliText, FitHeightKeepsTheTopAndCountsTheRest) {
  const std::string five = "1\n2\n3\n4\n5\n";
  EXPECT_EQ(fit_height(five, 0), five);
  EXPECT_EQ(fit_height(five, 6), five);
  EXPECT_EQ(fit_height(five, 5), "1\n2\n3\n… 2 more lines (enlarge the terminal)\n");  // 4 lines: no scroll
  EXPECT_EQ(fit_height(five, 2), five);                                                // too small to help
}

TEST(CliText, ColourIsAddedAfterLayout) {
  const std::vector<table_column> columns = {{.header = "A"}, {.header = "B"}};
  const std::vector<table_row> rows = {{{.text = "ok", .color = tone::good}, {.text = "x"}}};
  render_options o{.color = true};
  EXPECT_EQ(layout_table(columns, rows, o)[1], "\x1b[32mok\x1b[0m  x");
  EXPECT_EQ(paint("x", tone::bad, false), "x");
}

TEST(CliErrors, InKubectlsWords) {
  const std::string server = "https://127.0.0.1:6443";
  EXPECT_EQ(describe_failure({404, "NotFound", "rolloutpolicies.rolloutd.io \"x\" not found"},
                             policy_resource_name, "x", server),
            "Error from server (NotFound): rolloutpolicies.rolloutd.io \"x\" not found");
  EXPECT_EQ(describe_failure({404, "NotFound", ""}, policy_resource_name, "x", server),
            "Error from server (NotFound): rolloutpolicies.rolloutd.io \"x\" not found");
  EXPECT_EQ(describe_failure(
                {403, "Forbidden", "rolloutpolicies.rolloutd.io \"x\" is forbidden: User \"u\" cannot patch"},
                policy_resource_name, "x", server),
            "Error from server (Forbidden): rolloutpolicies.rolloutd.io \"x\" is forbidden: User \"u\" "
            "cannot patch");
  EXPECT_EQ(describe_failure({0, "ConnectionFailed", "connect: Connection refused"}, policy_resource_name,
                             "x", server),
            "error: cannot reach the API server at https://127.0.0.1:6443: connect: Connection refused");
  EXPECT_NE(describe_failure({404, "NotFound", "the server could not find the requested resource"},
                             policy_resource_name, "", server)
                .find("is the rolloutd CRD installed?"),
            std::string::npos);
  EXPECT_EQ(describe_failure({401, "Unauthorized", "Unauthorized"}, policy_resource_name, "", server),
            "error: you must be logged in to the server (Unauthorized): Unauthorized");
}

}  // namespace
}  // namespace rolloutd::cli
