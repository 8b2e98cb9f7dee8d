#include "api/template_hash.hpp"

#include <array>
#include <iterator>
#include <limits>
#include <string_view>

#include "api/json_reader.hpp"
#include "api/names.hpp"
#include "api/quantity.hpp"

namespace rolloutd::api {
namespace {

using json = nlohmann::json;

template <std::size_t N>
bool one_of(std::string_view key, const std::array<std::string_view, N>& keys) {
  for (const auto k : keys) {
    if (k == key) return true;
  }
  return false;
}

constexpr std::array<std::string_view, 5> string_map_keys{"labels", "annotations", "nodeSelector",
                                                          "matchLabels", "volumeAttributes"};
constexpr std::array<std::string_view, 10> false_by_default{"hostNetwork",
                                                            "hostPID",
                                                            "hostIPC",
                                                            "stdin",
                                                            "stdinOnce",
                                                            "tty",
                                                            "readOnly",
                                                            "optional",
                                                            "shareProcessNamespace",
                                                            "setHostnameAsFQDN"};

json* member(json& object, std::string_view key) {
  if (!object.is_object()) return nullptr;
  const auto it = object.find(key);
  return it == object.end() ? nullptr : &*it;
}

void erase_if_equal(json& object, std::string_view key, const json& value) {
  const json* current = member(object, key);
  if (!current) return;
  // Numbers compare by value, so 30 and 30.0 are both the default 30.
  const bool equal =
      value.is_number() && current->is_number()
          ? detail::integer_value(*current, value.get<std::int64_t>(), value.get<std::int64_t>()).has_value()
          : *current == value;
  if (equal) object.erase(object.find(key));
}

void canonical_quantity(json& object, std::string_view key) {
  json* value = member(object, key);
  if (!value || !value->is_string()) return;
  if (auto nanos = quantity_nanos(value->get_ref<const std::string&>())) *value = std::move(*nanos);
}

void canonical_quantities(json* map) {
  if (!map || !map->is_object()) return;
  for (auto& [name, value] : map->items()) {
    if (value.is_string()) {
      if (auto nanos = quantity_nanos(value.get_ref<const std::string&>())) value = std::move(*nanos);
    }
  }
}

void canonical_resources(json* resources) {
  if (!resources) return;
  canonical_quantities(member(*resources, "limits"));
  canonical_quantities(member(*resources, "requests"));
}

// SetDefaults_Container: Always for a :latest or untagged image without a digest, else
// IfNotPresent (a digest alone leaves the tag empty).
std::string default_pull_policy(const json& image) {
  if (!image.is_string()) return "IfNotPresent";
  std::string_view name = image.get_ref<const std::string&>();
  const bool has_digest = name.find('@') != std::string_view::npos;
  name = name.substr(0, name.find('@'));
  const auto slash = name.rfind('/');
  const auto colon = name.rfind(':');
  const bool has_tag = colon != std::string_view::npos && (slash == std::string_view::npos || colon > slash);
  if (has_tag) return name.substr(colon + 1) == "latest" ? "Always" : "IfNotPresent";
  return has_digest ? "IfNotPresent" : "Always";
}

void strip_container_defaults(json& c) {
  if (!c.is_object()) return;
  erase_if_equal(c, "terminationMessagePath", "/dev/termination-log");
  erase_if_equal(c, "terminationMessagePolicy", "File");
  const json* image = member(c, "image");
  erase_if_equal(c, "imagePullPolicy", default_pull_policy(image ? *image : json()));
  if (json* ports = member(c, "ports"); ports && ports->is_array()) {
    for (auto& port : *ports) erase_if_equal(port, "protocol", "TCP");
  }
  for (const char* probe_key : {"livenessProbe", "readinessProbe", "startupProbe"}) {
    json* probe = member(c, probe_key);
    if (!probe) continue;
    erase_if_equal(*probe, "timeoutSeconds", 1);
    erase_if_equal(*probe, "periodSeconds", 10);
    erase_if_equal(*probe, "successThreshold", 1);
    erase_if_equal(*probe, "failureThreshold", 3);
  }
  canonical_resources(member(c, "resources"));
}

void strip_volume_defaults(json& volume) {
  if (!volume.is_object()) return;
  for (const char* source : {"configMap", "secret", "downwardAPI", "projected"}) {
    if (json* s = member(volume, source)) erase_if_equal(*s, "defaultMode", 420);
  }
  if (json* projected = member(volume, "projected")) {
    if (json* sources = member(*projected, "sources"); sources && sources->is_array()) {
      for (auto& s : *sources) {
        if (json* token = member(s, "serviceAccountToken")) erase_if_equal(*token, "expirationSeconds", 3600);
      }
    }
  }
  if (json* empty_dir = member(volume, "emptyDir")) canonical_quantity(*empty_dir, "sizeLimit");
}

void strip_pod_spec_defaults(json& spec) {
  erase_if_equal(spec, "restartPolicy", "Always");
  erase_if_equal(spec, "dnsPolicy", "ClusterFirst");
  erase_if_equal(spec, "schedulerName", "default-scheduler");
  erase_if_equal(spec, "terminationGracePeriodSeconds", 30);
  // The server copies serviceAccountName into the deprecated serviceAccount (and back when only
  // the old name is given); one name is the same template either way.
  json* alias = member(spec, "serviceAccount");
  json* name = member(spec, "serviceAccountName");
  if (alias && alias->is_string() && (!name || name->is_null())) spec["serviceAccountName"] = *alias;
  name = member(spec, "serviceAccountName");
  if (name) erase_if_equal(spec, "serviceAccount", json(*name));
  for (const char* list : {"containers", "initContainers"}) {
    if (json* containers = member(spec, list); containers && containers->is_array()) {
      for (auto& c : *containers) strip_container_defaults(c);
    }
  }
  if (json* volumes = member(spec, "volumes"); volumes && volumes->is_array()) {
    for (auto& v : *volumes) strip_volume_defaults(v);
  }
  canonical_resources(member(spec, "resources"));
  canonical_quantities(member(spec, "overhead"));
}

// Rules for objects found under a given key, wherever they are.
void strip_keyed_defaults(json& object, std::string_view key) {
  if (key == "httpGet") erase_if_equal(object, "scheme", "HTTP");
  if (key == "fieldRef") erase_if_equal(object, "apiVersion", "v1");
  if (key == "resourceFieldRef") {
    canonical_quantity(object, "divisor");
    erase_if_equal(object, "divisor", "0");
  }
}

bool is_empty(const json& v) {
  return v.is_null() || (v.is_string() && v.get_ref<const std::string&>().empty()) ||
         ((v.is_array() || v.is_object()) && v.empty());
}

// Rule 7 of the header, in place, bottom-up (so an object emptied by its own cleaning goes too).
void clean(json& value, std::string_view key) {
  if (value.is_number_float()) {
    if (const auto n = detail::integer_value(value, std::numeric_limits<std::int64_t>::min(),
                                             std::numeric_limits<std::int64_t>::max())) {
      value = *n;
    }
    return;
  }
  if (value.is_array()) {
    for (auto& item : value) clean(item, key);
    return;
  }
  if (!value.is_object()) return;
  const bool string_map = one_of(key, string_map_keys);
  if (!string_map) strip_keyed_defaults(value, key);
  for (auto it = value.begin(); it != value.end();) {
    if (string_map) {
      it = it->is_null() ? value.erase(it) : std::next(it);
      continue;
    }
    clean(*it, it.key());
    const bool unset_bool = it->is_boolean() && !it->get<bool>() && one_of(it.key(), false_by_default);
    // An empty string map goes too: no labels is the same as labels: {}.
    it = is_empty(*it) || unset_bool ? value.erase(it) : std::next(it);
  }
}

// SafeEncodeString's alphabet: no vowels (no words) and no 0, 1, 3 (no look-alikes).
constexpr std::string_view alphabet = "bcdfghjklmnpqrstvwxz2456789";

std::uint64_t fnv1a(std::string_view bytes, std::uint64_t h = 14695981039346656037ULL) {
  for (const char c : bytes) {
    h ^= static_cast<unsigned char>(c);
    h *= 1099511628211ULL;
  }
  return h;
}

}  // namespace

json canonical_template(const json& pod_template) {
  json t = pod_template;
  if (json* metadata = member(t, "metadata")) {
    if (metadata->is_object()) {
      metadata->erase("creationTimestamp");
      if (json* labels = member(*metadata, "labels"); labels && labels->is_object()) {
        labels->erase(std::string(pod_template_hash_label));
      }
    }
  }
  if (json* spec = member(t, "spec"); spec && spec->is_object()) strip_pod_spec_defaults(*spec);
  clean(t, "");
  return t;
}

std::string template_hash(const json& pod_template, std::int32_t collision_count) {
  const std::string canonical =
      canonical_template(pod_template).dump(-1, ' ', false, json::error_handler_t::replace);
  std::uint64_t h = fnv1a(canonical);
  if (collision_count != 0) {
    const auto n = static_cast<std::uint32_t>(collision_count);
    const std::array<char, 4> bytes{static_cast<char>(n & 0xff), static_cast<char>((n >> 8) & 0xff),
                                    static_cast<char>((n >> 16) & 0xff), static_cast<char>((n >> 24) & 0xff)};
    h = fnv1a(std::string_view(bytes.data(), bytes.size()), h);
  }
  std::string out(10, alphabet[0]);
  for (auto& c : out) {
    c = alphabet[h % alphabet.size()];
    h /= alphabet.size();
  }
  return out;
}

bool templates_equal(const json& a, const json& b) {
  return canonical_template(a) == canonical_template(b);
}

}  // namespace rolloutd::api
