// rolloutd: the controller binary. Later issues give it the reconcile loop; for now it answers
// --version and --help so packaging and the scripts have a real binary to work with.

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
    std::cerr << "rolloutd: " << parsed.error << "\nRun 'rolloutd --help' for usage.\n";
    return 2;
  }
  if (parsed.args.has("version")) {
    std::cout << "rolloutd " << rolloutd::build_info::version << '\n';
    return 0;
  }
  if (parsed.args.has("help")) {
    std::cout << "rolloutd drives RolloutPolicy objects (rolloutd.io/v1alpha1) through rolling-update,\n"
                 "canary and blue/green rollouts.\n\nUsage: rolloutd [flags]\n\nFlags:\n"
              << rolloutd::format_options(options);
    return 0;
  }
  std::cerr << "rolloutd: the reconcile loop is not part of this build yet; "
               "only --version and --help are available\n";
  return 1;
}
