#include "common/args.hpp"

#include <gtest/gtest.h>

namespace rolloutd {
namespace {

const std::vector<option_spec> specs = {
    {.name = "kubeconfig", .help = "path"},
    {.name = "namespace", .short_name = 'n', .help = "namespace"},
    {.name = "watch", .short_name = 'w', .takes_value = false, .help = "watch"},
};

TEST(ParseArgs, LongShortInlineAndPositional) {
  auto r = parse_args(specs, {"get", "--kubeconfig", "/k", "-n", "prod", "--watch", "hello"});
  ASSERT_TRUE(r.ok()) << r.error;
  EXPECT_EQ(r.args.get("kubeconfig"), "/k");
  EXPECT_EQ(r.args.get("namespace"), "prod");
  EXPECT_EQ(r.args.get("watch"), "true");
  EXPECT_EQ(r.args.positional, (std::vector<std::string>{"get", "hello"}));

  r = parse_args(specs, {"--namespace=a=b", "-nx"});
  ASSERT_TRUE(r.ok()) << r.error;
  EXPECT_EQ(r.args.get("namespace"), "x");  // the last occurrence wins, as with kubectl
  r = parse_args(specs, {"--watch=false"});
  EXPECT_EQ(r.args.get("watch"), "false");
}

TEST(ParseArgs, DoubleDashEndsOptions) {
  auto r = parse_args(specs, {"--", "--watch", "-n"});
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(r.args.has("watch"));
  EXPECT_EQ(r.args.positional.size(), 2U);
}

TEST(ParseArgs, ErrorsAreValues) {
  EXPECT_EQ(parse_args(specs, {"--nope"}).error, "unknown flag: --nope");
  EXPECT_EQ(parse_args(specs, {"-q"}).error, "unknown flag: -q");
  EXPECT_EQ(parse_args(specs, {"--kubeconfig"}).error, "flag needs an argument: --kubeconfig");
  EXPECT_FALSE(parse_args(specs, {"-wx"}).ok());  // a boolean short flag takes no inline value
}

TEST(FormatOptions, ListsEveryOption) {
  auto text = format_options(specs);
  EXPECT_NE(text.find("--kubeconfig VALUE"), std::string::npos);
  EXPECT_NE(text.find("-n, --namespace VALUE"), std::string::npos);
  EXPECT_NE(text.find("-w, --watch "), std::string::npos);
}

}  // namespace
}  // namespace rolloutd
