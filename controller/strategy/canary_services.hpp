#pragma once

// Which revision each Service the canary pins selects after a sync: stableService, canaryService,
// and the user's `service` while an aborted canary waits out its delay. A pin moves to the revision
// the strategy wants only when that revision has pods to serve: a Service pinned to an empty
// ReplicaSet has no endpoints, which is worse than staying where it is. A Service rolloutd does not
// manage yet, or that selects every revision (no pin), is only pinned to a fully available
// ReplicaSet, since pinning it narrows what it serves. Argo Rollouts' ensureSVCTargets is the
// reference.

#include <cstdint>
#include <string>

namespace rolloutd::strategy {

struct canary_input;

// A Service the strategy names, as observed; one that does not exist or that another policy manages
// is not `named` (the reconcile leaves it alone).
struct pinned_service {
  bool named = false;
  bool managed = false;       // rolloutd.io/managed-by is this policy
  std::string pinned_hash{};  // rolloutd.io/pod-template-hash in its selector; empty: none
  friend bool operator==(const pinned_service&, const pinned_service&) = default;
};

// The pods of the revision a pin would move to, as observed; absent: spec 0, available 0.
struct pin_target {
  std::string hash{};
  std::int32_t spec_replicas = 0;
  std::int32_t available_replicas = 0;
};

// The hash the Service should select: `want.hash` when it may move there (or already does), else
// the pin it has (empty: it stays unpinned). A Service that is not named takes `want.hash`.
[[nodiscard]] std::string choose_pin(const pinned_service& service, const pin_target& want);

// Without a traffic router an aborted canary's pods are behind the user's Service, so they go at
// once (as fast as the stable's available pods allow). They may wait out abortScaleDownDelaySeconds
// only where they can be taken out of that Service (pinned to stable meanwhile) and still be
// reached through the canaryService: both must be named.
[[nodiscard]] bool abort_waits_behind_canary_service(const canary_input& in);

struct canary_pins {
  std::string stable{};   // stableService
  std::string canary{};   // canaryService
  std::string service{};  // the user's Service; empty: no pin
};

// The pins after a sync whose stable revision is `stable_hash` (the template's once it is stable)
// and that leaves the canary ReplicaSet at `canary_size` pods.
// stableService follows stable; canaryService the template, or stable after an abort unless the
// canary waits out its delay with available pods; the user's Service is pinned to stable while that
// wait lasts: from the moment the stable is fully available again, kept while the stable holds
// replicas - maxUnavailable, lifted once the canary ReplicaSet is seen without pods.
[[nodiscard]] canary_pins plan_pins(const canary_input& in, const std::string& stable_hash, bool aborted,
                                    std::int32_t max_unavailable, std::int32_t canary_size);

}  // namespace rolloutd::strategy
