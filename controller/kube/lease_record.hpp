#pragma once

// The leader-election fields of a coordination.k8s.io/v1 Lease, and their JSON form. Times are kept
// as the strings the server returns: the elector only compares them (to notice that the holder
// wrote something), never reads them as clocks, so other machines' clock skew cannot matter.

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

namespace rolloutd::kube {

struct lease_record {
  std::string holder_identity{};  // empty: released, anyone may take it at once
  int lease_duration_seconds = 0;
  std::string acquire_time{};  // MicroTime; empty when unset
  std::string renew_time{};    // MicroTime; empty when unset
  int lease_transitions = 0;

  bool operator==(const lease_record&) const = default;
};

struct lease_parse_result {
  std::optional<lease_record> record{};
  std::string error{};  // set when record is empty: which field was malformed
};

// Reads spec from a Lease object; absent fields take their zero values, wrong types are errors.
[[nodiscard]] lease_parse_result parse_lease_record(const nlohmann::json& lease);

// A new Lease object for create.
[[nodiscard]] nlohmann::json make_lease(std::string_view namespace_name, std::string_view name,
                                        const lease_record& record);

// `lease` (as last read, so it carries metadata.resourceVersion for the update's precondition)
// with its leader-election fields replaced; spec fields this code does not know are kept.
[[nodiscard]] nlohmann::json with_lease_record(nlohmann::json lease, const lease_record& record);

}  // namespace rolloutd::kube
