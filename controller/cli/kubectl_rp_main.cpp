// kubectl-rp: the kubectl plugin for RolloutPolicies (`kubectl rp ...`). Everything but the
// process boundary is in the cli library (cli/app.hpp).

#include <iostream>
#include <string>
#include <vector>

#include "cli/app.hpp"

int main(int argc, char** argv) {
  std::ios::sync_with_stdio(false);
  return rolloutd::cli::run_app(std::vector<std::string>(argv + 1, argv + argc), std::cout, std::cerr,
                                rolloutd::kube::process_environment());
}
