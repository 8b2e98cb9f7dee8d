#include "cli/json_fields.hpp"

namespace rolloutd::cli {

const json* find_path(const json& object, std::initializer_list<std::string_view> path) {
  const json* at = &object;
  for (auto key : path) {
    if (!at->is_object()) return nullptr;
    auto it = at->find(key);
    if (it == at->end() || it->is_null()) return nullptr;
    at = &*it;
  }
  return at;
}

std::string string_at(const json& object, std::initializer_list<std::string_view> path) {
  const json* v = find_path(object, path);
  return v != nullptr && v->is_string() ? v->get<std::string>() : std::string{};
}

std::optional<std::int64_t> int_at(const json& object, std::initializer_list<std::string_view> path) {
  const json* v = find_path(object, path);
  if (v == nullptr || !v->is_number_integer()) return std::nullopt;
  return v->get<std::int64_t>();
}

bool bool_at(const json& object, std::initializer_list<std::string_view> path) {
  const json* v = find_path(object, path);
  return v != nullptr && v->is_boolean() && v->get<bool>();
}

std::optional<api::timestamp> time_at(const json& object, std::initializer_list<std::string_view> path) {
  const json* v = find_path(object, path);
  if (v == nullptr || !v->is_string()) return std::nullopt;
  return api::parse_timestamp(v->get_ref<const std::string&>());
}

std::string name_of(const json& object) {
  return string_at(object, {"metadata", "name"});
}
std::string namespace_of(const json& object) {
  return string_at(object, {"metadata", "namespace"});
}
std::string uid_of(const json& object) {
  return string_at(object, {"metadata", "uid"});
}

bool controlled_by(const json& object, std::string_view owner_uid) {
  const json* refs = find_path(object, {"metadata", "ownerReferences"});
  if (refs == nullptr || !refs->is_array() || owner_uid.empty()) return false;
  for (const auto& ref : *refs) {
    if (bool_at(ref, {"controller"}) && string_at(ref, {"uid"}) == owner_uid) return true;
  }
  return false;
}

}  // namespace rolloutd::cli
