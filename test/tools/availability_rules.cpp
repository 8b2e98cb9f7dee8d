#include "availability_rules.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>

namespace rolloutd::tools {

namespace {

const nlohmann::json& member(const nlohmann::json& object, const char* key) {
  static const nlohmann::json null;
  if (!object.is_object()) return null;
  auto it = object.find(key);
  return it == object.end() ? null : *it;
}

std::string pod_of(const nlohmann::json& endpoint) {
  const auto& ref = member(endpoint, "targetRef");
  const auto& name = member(ref, "name");
  if (name.is_string() && member(ref, "kind") == "Pod") return name.get<std::string>();
  const auto& addresses = member(endpoint, "addresses");
  if (addresses.is_array() && !addresses.empty() && addresses[0].is_string()) {
    return addresses[0].get<std::string>();
  }
  return {};
}

// A condition the API leaves out has its documented default.
bool condition(const nlohmann::json& endpoint, const char* name, bool absent) {
  const auto& value = member(member(endpoint, "conditions"), name);
  return value.is_boolean() ? value.get<bool>() : absent;
}

std::string describe_mix(const std::vector<endpoint_view>& endpoints) {
  std::map<std::string, int> by_hash;
  for (const auto& e : endpoints) {
    if (!e.terminating && !e.hash.empty()) ++by_hash[e.hash];
  }
  std::string out;
  for (const auto& [hash, n] : by_hash) {
    if (!out.empty()) out += ",";
    out += hash + "x" + std::to_string(n);
  }
  return out;
}

}  // namespace

std::vector<endpoint_view> service_endpoints(const std::vector<nlohmann::json>& slices,
                                             const pod_hash_lookup& hash_of) {
  std::map<std::string, endpoint_view> by_pod;
  for (const auto& slice : slices) {
    const auto& endpoints = member(slice, "endpoints");
    if (!endpoints.is_array()) continue;
    for (const auto& endpoint : endpoints) {
      std::string pod = pod_of(endpoint);
      if (pod.empty()) continue;
      auto [it, added] = by_pod.try_emplace(pod);
      auto& view = it->second;
      if (added) {
        view.pod = pod;
        view.hash = hash_of ? hash_of(pod).value_or("") : "";
      }
      view.ready = view.ready || condition(endpoint, "ready", true);
      view.terminating = (added || view.terminating) && condition(endpoint, "terminating", false);
    }
  }
  std::vector<endpoint_view> out;
  out.reserve(by_pod.size());
  for (auto& [pod, view] : by_pod) out.push_back(std::move(view));
  return out;
}

sample_verdict judge_sample(const checker_rules& rules, const std::vector<endpoint_view>& endpoints,
                            std::chrono::steady_clock::time_point now, checker_state& state) {
  sample_verdict verdict;
  verdict.ready = static_cast<int>(
      std::count_if(endpoints.begin(), endpoints.end(), [](const endpoint_view& e) { return e.ready; }));
  ++state.samples;
  state.min_ready = std::min(state.min_ready.value_or(verdict.ready), verdict.ready);

  if (rules.floor && verdict.ready < *rules.floor) {
    verdict.violations.push_back("ready endpoints " + std::to_string(verdict.ready) + " < floor " +
                                 std::to_string(*rules.floor));
  }
  if (!rules.single_revision) return verdict;

  for (const auto& e : endpoints) {
    if (!e.ready && !e.terminating) verdict.violations.push_back("endpoint " + e.pod + " not ready");
  }
  std::string first_hash;
  bool mixed = false;
  for (const auto& e : endpoints) {
    if (e.terminating || e.hash.empty()) continue;
    if (first_hash.empty()) first_hash = e.hash;
    mixed = mixed || e.hash != first_hash;
  }
  if (!mixed) {
    state.mixed_since.reset();
    return verdict;
  }
  if (!state.mixed_since) state.mixed_since = now;
  auto lasted = std::chrono::duration_cast<std::chrono::milliseconds>(now - *state.mixed_since);
  state.longest_mix = std::max(state.longest_mix, lasted);
  if (lasted > rules.switch_grace) {
    verdict.violations.push_back("revisions mixed for " + std::to_string(lasted.count()) +
                                 "ms: " + describe_mix(endpoints));
  }
  return verdict;
}

std::optional<int> parse_floor(std::string_view text) {
  auto space = [](char c) { return std::isspace(static_cast<unsigned char>(c)) != 0; };
  while (!text.empty() && space(text.front())) text.remove_prefix(1);
  while (!text.empty() && space(text.back())) text.remove_suffix(1);
  int value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc{} || end != text.data() + text.size() || value < 0) return std::nullopt;
  return value;
}

}  // namespace rolloutd::tools
