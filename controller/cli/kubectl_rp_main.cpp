// kubectl-rp: the kubectl plugin for RolloutPolicies (`kubectl rp ...`). The commands arrive
// with the plugin issue; for now it answers --version, `version` and --help.

#include <iostream>
#include <string>
#include <vector>

#include "common/args.hpp"
#include "rolloutd/build_info.hpp"

namespace {

const std::vector<rolloutd::option_spec> options = {
    {.name = "help", .short_name = 'h', .takes_value = false, .help = "show this help and exit"},
    {.name = "version", .takes_value = false, .help = "print the version and exit"},
};

}  // namespace

int main(int argc, char** argv) {
  auto parsed = rolloutd::parse_args(options, std::vector<std::string>(argv + 1, argv + argc));
  if (!parsed.ok()) {
    std::cerr << "kubectl rp: " << parsed.error << "\nRun 'kubectl rp --help' for usage.\n";
    return 2;
  }
  const auto& pos = parsed.args.positional;
  if (parsed.args.has("version") || (!pos.empty() && pos[0] == "version")) {
    std::cout << "kubectl-rp " << rolloutd::build_info::version << '\n';
    return 0;
  }
  if (parsed.args.has("help") || pos.empty()) {
    std::cout << "kubectl rp: see and steer RolloutPolicies from the terminal.\n\n"
                 "Usage: kubectl rp COMMAND [flags]\n\nCommands:\n  version    print the version\n\n"
                 "Flags:\n"
              << rolloutd::format_options(options);
    return pos.empty() && !parsed.args.has("help") ? 2 : 0;
  }
  std::cerr << "kubectl rp: unknown command \"" << pos[0] << "\"\nRun 'kubectl rp --help' for usage.\n";
  return 2;
}
