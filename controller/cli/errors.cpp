#include "cli/errors.hpp"

namespace rolloutd::cli {

std::string describe_failure(const kube::api_error& e, std::string_view resource, std::string_view name,
                             std::string_view server) {
  if (e.transport()) {
    return "error: cannot reach the API server at " + std::string(server) + ": " +
           (e.message.empty() ? e.reason : e.message);
  }
  if (e.code == 401) {
    return "error: you must be logged in to the server (Unauthorized)" +
           (e.message.empty() ? "" : ": " + e.message);
  }
  if (e.not_found() && e.message.find("could not find the requested resource") != std::string::npos) {
    // The resource type itself is unknown: the CRD is not installed in this cluster.
    return "error: the server does not serve " + std::string(resource) +
           "; is the rolloutd CRD installed? (kubectl apply -f crds/rolloutpolicies.rolloutd.io.yaml)";
  }
  std::string message = e.message;
  if (message.empty() && e.not_found()) {
    message = std::string(resource) + (name.empty() ? "" : " \"" + std::string(name) + "\"") + " not found";
  }
  if (message.empty()) message = "the server answered HTTP " + std::to_string(e.code);
  const std::string reason = e.reason.empty() ? std::to_string(e.code) : e.reason;
  return "Error from server (" + reason + "): " + message;
}

}  // namespace rolloutd::cli
