// What `kubectl rp <TAB>` offers where the cursor is (kubectl_complete-rp -> kubectl-rp __complete):
// commands, flags, fixed words, or a question for the cluster (policies, namespaces) or the shell
// (files), with the global flags of the line that the question must honour.

#include "cli/complete_words.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

namespace rolloutd::cli {
namespace {

using lookup = completion_answer::lookup;
using words = std::vector<std::string>;

bool has(const completion_answer& a, const std::string& word) {
  return std::find(a.candidates.begin(), a.candidates.end(), word) != a.candidates.end();
}

TEST(complete_words, CommandsAtTheStart) {
  const auto a = complete_words({""});
  for (const char* command : {"get", "list", "status", "promote", "abort", "retry", "pause", "resume",
                              "restart", "set", "undo", "history", "version", "completion", "help"}) {
    EXPECT_TRUE(has(a, command)) << command;
  }
  EXPECT_FALSE(has(a, "__complete"));
  EXPECT_EQ(a.ask, lookup::none);
  EXPECT_EQ(completion_directive(a), 4);
}

TEST(complete_words, ThePartialWordFilters) {
  EXPECT_EQ(complete_words({"pro"}).candidates, words{"promote"});
  EXPECT_EQ(complete_words({"re"}).candidates, (words{"retry", "resume", "restart"}));
  EXPECT_TRUE(complete_words({"zzz"}).candidates.empty());
}

TEST(complete_words, PolicyNamesAfterACommandThatTakesOne) {
  for (const char* command : {"get", "status", "promote", "abort", "undo", "history", "pause", "restart"}) {
    const auto a = complete_words({command, "he"});
    EXPECT_EQ(a.ask, lookup::policies) << command;
    EXPECT_EQ(a.partial, "he");
    EXPECT_TRUE(a.candidates.empty()) << command;
  }
  // Only one name: nothing after it.
  EXPECT_EQ(complete_words({"promote", "hello", ""}).ask, lookup::none);
  // list and version take none.
  EXPECT_EQ(complete_words({"list", ""}).ask, lookup::none);
  EXPECT_EQ(complete_words({"version", ""}).ask, lookup::none);
}

TEST(complete_words, SetImageThenThePolicy) {
  EXPECT_EQ(complete_words({"set", ""}).candidates, words{"image"});
  EXPECT_EQ(complete_words({"set", ""}).ask, lookup::none);
  EXPECT_EQ(complete_words({"set", "image", ""}).ask, lookup::policies);
  EXPECT_EQ(complete_words({"set", "image", "hello", ""}).ask, lookup::none);
}

TEST(complete_words, FixedArguments) {
  EXPECT_EQ(complete_words({"completion", ""}).candidates, (words{"bash", "zsh"}));
  EXPECT_EQ(complete_words({"completion", "z"}).candidates, words{"zsh"});
  EXPECT_TRUE(has(complete_words({"help", ""}), "promote"));
  EXPECT_EQ(complete_words({"help", "promote", ""}).candidates, words{});
}

TEST(complete_words, FlagsOfTheCommandAndGlobalOnes) {
  const auto a = complete_words({"promote", "--"});
  EXPECT_TRUE(has(a, "--full"));
  EXPECT_TRUE(has(a, "--namespace"));
  EXPECT_TRUE(has(a, "--kubeconfig"));
  EXPECT_FALSE(has(a, "--watch")) << "a flag of another command";
  EXPECT_EQ(complete_words({"get", "--w"}).candidates, words{"--watch"});
  EXPECT_TRUE(has(complete_words({"-"}), "--context"));
}

TEST(complete_words, OptionValues) {
  EXPECT_EQ(complete_words({"-n", ""}).ask, lookup::namespaces);
  EXPECT_EQ(complete_words({"promote", "--namespace", "sh"}).ask, lookup::namespaces);
  const auto file = complete_words({"--kubeconfig", ""});
  EXPECT_EQ(file.ask, lookup::files);
  EXPECT_EQ(completion_directive(file), 0) << "the shell completes file names";
  // A value that is not looked up offers nothing, and is not taken for the command.
  EXPECT_EQ(complete_words({"status", "--timeout", ""}).ask, lookup::none);
  EXPECT_EQ(complete_words({"status", "--timeout", "5m", ""}).ask, lookup::policies);
}

TEST(complete_words, GlobalFlagsAnywhereSteerTheLookup) {
  const auto a = complete_words({"-n", "shop", "--context=prod", "promote", "--kubeconfig", "/tmp/kc", ""});
  EXPECT_EQ(a.ask, lookup::policies);
  EXPECT_EQ(a.namespace_name, "shop");
  EXPECT_EQ(a.context, "prod");
  EXPECT_EQ(a.kubeconfig, "/tmp/kc");
  EXPECT_EQ(complete_words({"promote", "--namespace=web", ""}).namespace_name, "web");
}

TEST(complete_words, AnUnknownCommandOffersNothing) {
  const auto a = complete_words({"frobnicate", ""});
  EXPECT_TRUE(a.candidates.empty());
  EXPECT_EQ(a.ask, lookup::none);
  EXPECT_TRUE(complete_words({}).candidates.size() > 5) << "no words at all is the empty partial word";
}

}  // namespace
}  // namespace rolloutd::cli
