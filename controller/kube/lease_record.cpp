#include "kube/lease_record.hpp"

#include <cstdint>
#include <limits>

namespace rolloutd::kube {
namespace {

using json = nlohmann::json;

// Reads an optional string field; false (with `error` set) when present with another type.
bool read_string(const json& spec, const char* key, std::string& out, std::string& error) {
  auto it = spec.find(key);
  if (it == spec.end() || it->is_null()) return true;
  if (!it->is_string()) {
    error = std::string("spec.") + key + ": expected a string";
    return false;
  }
  out = it->get<std::string>();
  return true;
}

// Reads an optional int32 field (the API's type for both counters).
bool read_int32(const json& spec, const char* key, int& out, std::string& error) {
  auto it = spec.find(key);
  if (it == spec.end() || it->is_null()) return true;
  if (!it->is_number_integer()) {
    error = std::string("spec.") + key + ": expected an integer";
    return false;
  }
  auto wide = it->get<std::int64_t>();
  if (wide < std::numeric_limits<int>::min() || wide > std::numeric_limits<int>::max()) {
    error = std::string("spec.") + key + ": out of range";
    return false;
  }
  out = static_cast<int>(wide);
  return true;
}

void set_time(json& spec, const char* key, const std::string& value) {
  // An empty MicroTime is not valid on the wire; leaving the field out means "unset".
  if (value.empty()) {
    spec.erase(key);
  } else {
    spec[key] = value;
  }
}

}  // namespace

lease_parse_result parse_lease_record(const json& lease) {
  if (!lease.is_object()) return {.error = "lease: expected an object"};
  auto spec_it = lease.find("spec");
  lease_record record;
  if (spec_it == lease.end() || spec_it->is_null()) return {.record = record};
  const json& spec = *spec_it;
  if (!spec.is_object()) return {.error = "spec: expected an object"};
  std::string error;
  if (!read_string(spec, "holderIdentity", record.holder_identity, error) ||
      !read_int32(spec, "leaseDurationSeconds", record.lease_duration_seconds, error) ||
      !read_string(spec, "acquireTime", record.acquire_time, error) ||
      !read_string(spec, "renewTime", record.renew_time, error) ||
      !read_int32(spec, "leaseTransitions", record.lease_transitions, error)) {
    return {.error = error};
  }
  return {.record = record};
}

json make_lease(std::string_view namespace_name, std::string_view name, const lease_record& record) {
  json lease = {
      {"apiVersion", "coordination.k8s.io/v1"},
      {"kind", "Lease"},
      {"metadata", {{"name", name}, {"namespace", namespace_name}}},
  };
  return with_lease_record(std::move(lease), record);
}

json with_lease_record(json lease, const lease_record& record) {
  json& spec = lease["spec"];
  if (!spec.is_object()) spec = json::object();
  spec["holderIdentity"] = record.holder_identity;
  spec["leaseDurationSeconds"] = record.lease_duration_seconds;
  set_time(spec, "acquireTime", record.acquire_time);
  set_time(spec, "renewTime", record.renew_time);
  spec["leaseTransitions"] = record.lease_transitions;
  return lease;
}

}  // namespace rolloutd::kube
