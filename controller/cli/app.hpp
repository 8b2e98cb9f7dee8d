#pragma once

// kubectl-rp from the command line to the exit code: parse, answer the commands that need no
// cluster (help, version, completion), otherwise connect and run the command on one I/O thread.

#include <ostream>
#include <string>
#include <vector>

#include "kube/config.hpp"

namespace rolloutd::cli {

// Exit codes: 0 done, 1 failed (API error, Degraded, timeout, refused), 2 usage error.
[[nodiscard]] int run_app(const std::vector<std::string>& argv, std::ostream& out, std::ostream& err,
                          const kube::env_lookup& env);

}  // namespace rolloutd::cli
