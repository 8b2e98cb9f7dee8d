#include "api/rollout_policy.hpp"

namespace rolloutd::api {
namespace {

string_map string_entries(const nlohmann::json& raw, const char* field) {
  string_map out;
  const auto metadata = raw.find("metadata");
  if (!raw.is_object() || metadata == raw.end() || !metadata->is_object()) return out;
  const auto map = metadata->find(field);
  if (map == metadata->end() || !map->is_object()) return out;
  for (const auto& [key, value] : map->items()) {
    if (value.is_string()) out.emplace(key, value.get<std::string>());
  }
  return out;
}

std::vector<container_image> images(const nlohmann::json& raw, const char* list) {
  std::vector<container_image> out;
  if (!raw.is_object()) return out;
  const auto spec = raw.find("spec");
  if (spec == raw.end() || !spec->is_object()) return out;
  const auto containers = spec->find(list);
  if (containers == spec->end() || !containers->is_array()) return out;
  for (const auto& c : *containers) {
    if (!c.is_object()) continue;
    container_image entry;
    if (const auto name = c.find("name"); name != c.end() && name->is_string())
      entry.name = name->get<std::string>();
    if (const auto image = c.find("image"); image != c.end() && image->is_string()) {
      entry.image = image->get<std::string>();
    }
    out.push_back(std::move(entry));
  }
  return out;
}

}  // namespace

string_map pod_template::labels() const {
  return string_entries(raw, "labels");
}
string_map pod_template::annotations() const {
  return string_entries(raw, "annotations");
}
std::vector<container_image> pod_template::containers() const {
  return images(raw, "containers");
}
std::vector<container_image> pod_template::init_containers() const {
  return images(raw, "initContainers");
}

const char* strategy_name(const rollout_strategy& s) {
  switch (s.index()) {
    case 1:
      return "canary";
    case 2:
      return "blueGreen";
    default:
      return "rollingUpdate";
  }
}

}  // namespace rolloutd::api
