// kubectl-rp's command line: commands and their flags, kubectl's global flags anywhere, --help
// on every command, and usage errors as values.

#include <gtest/gtest.h>

#include "cli/command_line.hpp"
#include "cli/completion.hpp"

namespace rolloutd::cli {
namespace {

command_line_result parse(std::vector<std::string> argv) {
  return parse_command_line(argv);
}

TEST(CliCommandLine, CommandsWithGlobalFlagsAnywhere) {
  auto r = parse({"-n", "shop", "get", "hello", "--context=kind", "--kubeconfig", "/k", "-w"});
  ASSERT_TRUE(r.ok()) << r.error;
  EXPECT_EQ(r.value.command->id, command_id::get);
  EXPECT_EQ(r.value.name(), "hello");
  EXPECT_EQ(r.value.namespace_name, "shop");
  EXPECT_EQ(r.value.context, "kind");
  EXPECT_EQ(r.value.kubeconfig, "/k");
  EXPECT_TRUE(r.value.watch);
  EXPECT_EQ(r.value.request_timeout, std::chrono::seconds(30));

  r = parse({"set", "image", "hello", "hello=x:2", "side=y:1", "--request-timeout=5s"});
  ASSERT_TRUE(r.ok()) << r.error;
  EXPECT_EQ(r.value.command->id, command_id::set_image);
  EXPECT_EQ(r.value.args, (std::vector<std::string>{"hello", "hello=x:2", "side=y:1"}));
  EXPECT_EQ(r.value.request_timeout, std::chrono::seconds(5));

  r = parse({"list", "-A"});
  ASSERT_TRUE(r.ok()) << r.error;
  EXPECT_TRUE(r.value.all_namespaces);
}

TEST(CliCommandLine, StatusWatchesByDefault) {
  auto r = parse({"status", "hello"});
  ASSERT_TRUE(r.ok()) << r.error;
  EXPECT_TRUE(r.value.watch);
  EXPECT_EQ(r.value.timeout, std::chrono::nanoseconds(0));
  r = parse({"status", "hello", "--watch=false", "--timeout=1m30s"});
  ASSERT_TRUE(r.ok()) << r.error;
  EXPECT_FALSE(r.value.watch);
  EXPECT_EQ(r.value.timeout, std::chrono::seconds(90));
  EXPECT_FALSE(parse({"get", "hello"}).value.watch);
}

TEST(CliCommandLine, RevisionsAndFull) {
  auto r = parse({"undo", "hello", "--to-revision=3"});
  ASSERT_TRUE(r.ok()) << r.error;
  EXPECT_EQ(r.value.revision, 3);
  r = parse({"history", "hello", "--revision", "2"});
  ASSERT_TRUE(r.ok()) << r.error;
  EXPECT_EQ(r.value.revision, 2);
  r = parse({"promote", "hello", "--full"});
  ASSERT_TRUE(r.ok()) << r.error;
  EXPECT_TRUE(r.value.full);
}

TEST(CliCommandLine, UsageErrors) {
  const std::vector<std::pair<std::vector<std::string>, std::string>> cases = {
      {{"frobnicate"}, "unknown command \"frobnicate\""},
      {{"get"}, "get: the name of a RolloutPolicy is required"},
      {{"get", "a", "b"}, "get: unexpected argument \"b\""},
      {{"abort", "hello", "--full"}, "abort: unknown flag: --full"},
      {{"get", "hello", "--bogus"}, "unknown flag: --bogus"},
      {{"set", "hello"}, "unknown command \"set hello\" (did you mean \"set image\"?)"},
      {{"set", "image", "hello"}, "set image: expected NAME CONTAINER=IMAGE..."},
      {{"status", "hello", "--timeout=soon"},
       "--timeout: expected a duration such as 30s or 5m, got \"soon\""},
      {{"status", "hello", "--timeout=-1s"}, "--timeout: expected a duration such as 30s or 5m, got \"-1s\""},
      {{"status", "hello", "--watch=maybe"}, "--watch: expected true or false, got \"maybe\""},
      {{"undo", "hello", "--to-revision=-1"}, "--to-revision: expected a revision number, got \"-1\""},
      {{"list", "-n", ""}, "--namespace: must not be empty"},
      {{"list", "--request-timeout=0s"}, "--request-timeout: must be at least 1s"},
      {{"get", "-n"}, "flag needs an argument: -n"},
  };
  for (const auto& [argv, error] : cases) {
    EXPECT_EQ(parse(argv).error, error) << argv.front();
  }
}

TEST(CliCommandLine, HelpEverywhere) {
  auto r = parse({});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.value.command, nullptr);
  for (const auto& c : commands()) {
    std::vector<std::string> argv;
    std::string name(c.name);
    for (auto pos = name.find(' '); pos != std::string::npos; pos = name.find(' ')) {
      argv.push_back(name.substr(0, pos));
      name.erase(0, pos + 1);
    }
    argv.push_back(name);
    argv.push_back("--help");
    r = parse(argv);
    ASSERT_TRUE(r.ok()) << c.name << ": " << r.error;
    EXPECT_TRUE(r.value.help) << c.name;
    if (c.id != command_id::help) {
      EXPECT_EQ(r.value.command, &c) << c.name;
    }
    const auto text = command_help(c);
    EXPECT_NE(text.find("Usage: kubectl rp " + std::string(c.name)), std::string::npos) << text;
    EXPECT_NE(text.find("--namespace"), std::string::npos) << c.name;
    for (const auto& o : c.options) EXPECT_NE(text.find("--" + o.name), std::string::npos) << c.name;
    EXPECT_NE(top_level_help().find("  " + std::string(c.name)), std::string::npos) << c.name;
  }
  r = parse({"help", "set", "image"});
  ASSERT_TRUE(r.ok()) << r.error;
  EXPECT_TRUE(r.value.help);
  EXPECT_EQ(r.value.command->id, command_id::set_image);
  r = parse({"--version"});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.value.command->id, command_id::version);
}

TEST(CliCompletion, ScriptsNameEveryCommandAndFlag) {
  for (const char* shell : {"bash", "zsh"}) {
    const auto script = completion_script(shell);
    ASSERT_TRUE(script.has_value()) << shell;
    for (const auto& c : commands()) {
      const std::string word(c.name.substr(0, c.name.find(' ')));
      EXPECT_NE(script->find(" " + word), std::string::npos) << shell << " " << word;
      for (const auto& o : c.options)
        EXPECT_NE(script->find("--" + o.name), std::string::npos) << shell << o.name;
    }
    EXPECT_NE(script->find("rolloutpolicies.rolloutd.io"), std::string::npos);  // policy names
  }
  EXPECT_FALSE(completion_script("fish").has_value());
}

TEST(CliCompletion, BashScriptIsValidBash) {
  const auto script = completion_script("bash");
  ASSERT_TRUE(script.has_value());
  const std::string path = ::testing::TempDir() + "kubectl_rp_completion.bash";
  {
    FILE* f = std::fopen(path.c_str(), "w");
    ASSERT_NE(f, nullptr);
    std::fputs(script->c_str(), f);
    std::fclose(f);
  }
  // Syntax check, then load it and complete "kubectl-rp st" and "kubectl-rp get --w" without a cluster.
  const std::string command =
      "bash -c 'source " + path +
      " && COMP_WORDS=(kubectl-rp st) COMP_CWORD=1 && _kubectl_rp && "
      "[[ ${COMPREPLY[*]} == status ]] && COMP_WORDS=(kubectl-rp get --w) COMP_CWORD=2 && "
      "_kubectl_rp && [[ ${COMPREPLY[*]} == --watch ]]'";
  EXPECT_EQ(std::system(("bash -n " + path).c_str()), 0);
  EXPECT_EQ(std::system(command.c_str()), 0);
}

}  // namespace
}  // namespace rolloutd::cli
