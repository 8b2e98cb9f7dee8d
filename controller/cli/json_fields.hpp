#pragma once

// Exception-free reads of objects the API server returned. kubectl-rp shows whatever it finds, so
// a missing or mistyped field reads as empty instead of failing the command.

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "api/timestamp.hpp"

namespace rolloutd::cli {

using json = nlohmann::json;

// The value at `path`, or nullptr when any step is missing or not an object.
[[nodiscard]] const json* find_path(const json& object, std::initializer_list<std::string_view> path);

[[nodiscard]] std::string string_at(const json& object, std::initializer_list<std::string_view> path);
[[nodiscard]] std::optional<std::int64_t> int_at(const json& object,
                                                 std::initializer_list<std::string_view> path);
[[nodiscard]] bool bool_at(const json& object, std::initializer_list<std::string_view> path);
[[nodiscard]] std::optional<api::timestamp> time_at(const json& object,
                                                    std::initializer_list<std::string_view> path);

// metadata.name, metadata.namespace, metadata.uid.
[[nodiscard]] std::string name_of(const json& object);
[[nodiscard]] std::string namespace_of(const json& object);
[[nodiscard]] std::string uid_of(const json& object);

// Whether `object` has a controller ownerReference to the object with this uid.
[[nodiscard]] bool controlled_by(const json& object, std::string_view owner_uid);

}  // namespace rolloutd::cli
