#include "metrics/labels.hpp"

#include <algorithm>
#include <array>
#include <cctype>

namespace rolloutd {
namespace {

// The resource types rolloutd reads or writes (the API client's only callers).
constexpr std::array<std::string_view, 10> known_resources = {
    "rolloutpolicies", "replicasets", "deployments", "services",  "pods",
    "events",          "leases",      "namespaces",  "endpoints", "customresourcedefinitions",
};
constexpr std::array<std::string_view, 2> known_subresources = {"status", "scale"};

constexpr std::array<std::string_view, 12> known_verbs = {
    "GET",  "LIST",    "WATCH", "POST", "PUT", "PATCH", "DELETE", "CREATE", "UPDATE", "DELETECOLLECTION",
    "HEAD", "OPTIONS",
};

// Deployment-controller and Argo Rollouts vocabulary, so `kubectl get events` reads familiarly:
// every reason the reconcilers record (controller/reconcile, controller/strategy), plus a few kept
// for strategies still to come (WorkloadScaledDown for workloadRef).
constexpr std::array<std::string_view, 21> event_reasons = {
    "ScalingReplicaSet",
    "RolloutUpdated",
    "RolloutStepCompleted",
    "RolloutPaused",
    "RolloutResumed",
    "RolloutPromoted",
    "RolloutAborted",
    "RolloutRetried",
    "RolloutCompleted",
    "SwitchService",
    "ServiceSwitched",
    "ActiveServiceRescued",
    "ServiceNotFound",
    "OperationIgnored",
    "InvalidSpec",
    "UnsupportedStrategy",
    "PlanningFailed",
    "FailedCreate",
    "ProgressDeadlineExceeded",
    "WorkloadScaledDown",
    "ResourceNotOwned",
};

template <std::size_t n>
bool contains(const std::array<std::string_view, n>& set, std::string_view value) {
  return std::find(set.begin(), set.end(), value) != set.end();
}

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::toupper(static_cast<unsigned char>(x)) == std::toupper(static_cast<unsigned char>(y));
         });
}

}  // namespace

std::string_view label_value(strategy_kind strategy) {
  switch (strategy) {
    case strategy_kind::rolling_update:
      return "rollingUpdate";
    case strategy_kind::canary:
      return "canary";
    case strategy_kind::blue_green:
      return "blueGreen";
  }
  return "unknown";  // unreachable for valid enum values; keeps -Wreturn-type quiet
}

std::string_view label_value(policy_phase phase) {
  switch (phase) {
    case policy_phase::progressing:
      return "Progressing";
    case policy_phase::paused:
      return "Paused";
    case policy_phase::healthy:
      return "Healthy";
    case policy_phase::degraded:
      return "Degraded";
  }
  return "unknown";
}

std::string_view label_value(replica_role role) {
  switch (role) {
    case replica_role::new_revision:
      return "new";
    case replica_role::old:
      return "old";
    case replica_role::canary:
      return "canary";
    case replica_role::stable:
      return "stable";
    case replica_role::active:
      return "active";
    case replica_role::preview:
      return "preview";
  }
  return "unknown";
}

std::string_view label_value(rollout_outcome outcome) {
  switch (outcome) {
    case rollout_outcome::healthy:
      return "healthy";
    case rollout_outcome::aborted:
      return "aborted";
    case rollout_outcome::superseded:
      return "superseded";
  }
  return "unknown";
}

std::string bounded_resource(std::string_view resource) {
  const auto slash = resource.find('/');
  const auto type = resource.substr(0, slash);
  if (!contains(known_resources, type)) return "other";
  if (slash != std::string_view::npos && !contains(known_subresources, resource.substr(slash + 1))) {
    return "other";
  }
  return std::string(resource);
}

std::string_view bounded_verb(std::string_view verb) {
  for (const auto known : known_verbs) {
    if (iequals(known, verb)) return known;
  }
  return "OTHER";
}

std::string code_label(int code) {
  if (code < 100 || code > 599) return "error";
  return std::to_string(code);
}

std::string_view bounded_event_reason(std::string_view reason) {
  const auto* found = std::find(event_reasons.begin(), event_reasons.end(), reason);
  return found != event_reasons.end() ? *found : std::string_view("Other");
}

std::span<const std::string_view> known_event_reasons() {
  return event_reasons;
}

}  // namespace rolloutd
