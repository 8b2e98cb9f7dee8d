#pragma once

// What the availability checker (availability_checker.cpp) decides at each sample, as pure
// functions of the observed EndpointSlices and Pods and the time, so the rules are unit-tested
// (test/unit/availability_rules_test.cpp) and the tool itself is only informers and a timer.
//
// Two invariants:
//   - floor: the Service's ready endpoints never fall below a floor (replicas - maxUnavailable for
//     a rolling update or canary);
//   - single revision (blue/green's active Service): every endpoint the Service selects is ready,
//     and all of them run one pod-template hash; a mix is tolerated for a grace window, since the
//     EndpointSlice controller rewrites slices one at a time after a selector switch.

#include <chrono>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace rolloutd::tools {

// One endpoint of the Service, deduplicated across slices (and address families) by its pod.
struct endpoint_view {
  std::string pod;           // targetRef name, or the first address when there is no targetRef
  bool ready = false;        // conditions.ready; absent means ready (the EndpointSlice API's rule)
  bool terminating = false;  // conditions.terminating: on its way out, owed nothing
  std::string hash;          // the pod's rolloutd.io/pod-template-hash; "" when unknown
};

// The pod-template hash label of a pod by name, or nullopt when the pod is not known (yet).
using pod_hash_lookup = std::function<std::optional<std::string>(std::string_view pod)>;

// The endpoints listed by `slices` (EndpointSlice objects of one Service), sorted by pod. An
// endpoint listed twice counts once, and as ready when any listing says so.
[[nodiscard]] std::vector<endpoint_view> service_endpoints(const std::vector<nlohmann::json>& slices,
                                                           const pod_hash_lookup& hash_of);

struct checker_rules {
  std::optional<int> floor{};  // minimum ready endpoints; nullopt: not checked
  bool single_revision = false;
  std::chrono::milliseconds switch_grace{1000};
};

// What the checker remembers between samples.
struct checker_state {
  long samples = 0;
  std::optional<int> min_ready;  // the fewest ready endpoints seen
  std::optional<std::chrono::steady_clock::time_point> mixed_since;
  std::chrono::milliseconds longest_mix{0};
};

struct sample_verdict {
  int ready = 0;
  std::vector<std::string> violations;  // one line each, without a timestamp
};

// Judges one sample taken at `now` and updates `state`.
[[nodiscard]] sample_verdict judge_sample(const checker_rules& rules,
                                          const std::vector<endpoint_view>& endpoints,
                                          std::chrono::steady_clock::time_point now, checker_state& state);

// The floor written in a --min-file: a non-negative integer, surrounding whitespace allowed.
// nullopt for anything else (a file being rewritten may read empty for a moment).
[[nodiscard]] std::optional<int> parse_floor(std::string_view text);

}  // namespace rolloutd::tools
