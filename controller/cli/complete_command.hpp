#pragma once

// `kubectl-rp __complete ARGS... PARTIAL`, run by kubectl_complete-rp when kubectl completes
// `kubectl rp`: prints the candidates, one per line, then Cobra's `:DIRECTIVE` line. Policy and
// namespace names are asked of the cluster the command line points at; an unreachable cluster only
// means fewer candidates (completion never prints an error into the user's command line).

#include <ostream>
#include <string>
#include <vector>

#include "kube/config.hpp"

namespace rolloutd::cli {

int run_completion(const std::vector<std::string>& words, std::ostream& out, const kube::env_lookup& env);

}  // namespace rolloutd::cli
