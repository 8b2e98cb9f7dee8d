#include "reconcile/service_sync.hpp"

#include <algorithm>

#include "reconcile/sync_steps.hpp"

namespace rolloutd::reconcile {

namespace {

using json = nlohmann::json;
using boost::asio::awaitable;

std::string name_of(const json& object) {
  auto m = object.find("metadata");
  if (m == object.end() || !m->is_object()) return {};
  auto n = m->find("name");
  return n != m->end() && n->is_string() ? n->get<std::string>() : std::string{};
}

// Sends one Service patch; records the result in `out`. Returns false when the caller should stop.
awaitable<bool> send(sync_context& c, std::string_view ns, const std::string& name, const json& patch,
                     service_sync_outcome& out) {
  if (patch.empty()) co_return true;
  auto r = co_await c.d.api.patch(services_resource(), ns, name, kube::patch_type::json_merge, patch);
  if (r.ok()) {
    out.changed = true;
    co_return true;
  }
  if (r.error().conflict()) {
    out.requeue = true;
    co_return false;
  }
  if (r.error().not_found()) co_return true;  // deleted meanwhile: nothing left to manage
  out.error = "Service " + name + ": " + r.error().message;
  co_return false;
}

}  // namespace

std::string service_sync_outcome::problem() const {
  std::string out;
  auto add = [&out](const std::string& s) { out += (out.empty() ? "" : "; ") + s; };
  for (const auto& m : missing) add("Service " + m + " not found");
  for (const auto& f : foreign) add("Service " + f + " is managed by another RolloutPolicy");
  return out;
}

awaitable<service_sync_outcome> sync_services(sync_context& c, std::string_view ns,
                                              std::string_view policy_name,
                                              const std::vector<service_target>& targets) {
  service_sync_outcome out;
  for (const auto& target : targets) {
    const kube::object_ptr service = c.d.services.get(ns, target.name);
    if (!service) {
      out.missing.push_back(target.name);
      continue;
    }
    const std::string manager = service_manager(*service);
    if (!manager.empty() && manager != policy_name) {
      out.foreign.push_back(target.name);
      continue;
    }
    const json patch = service_patch(*service, policy_name, target);
    if (!co_await send(c, ns, target.name, patch, out)) co_return out;
  }
  for (const auto& service : c.d.services.list_namespace(ns)) {
    const std::string name = name_of(*service);
    if (service_manager(*service) != policy_name) continue;
    const bool named = std::any_of(targets.begin(), targets.end(),
                                   [&name](const service_target& t) { return t.name == name; });
    if (named) continue;
    const json patch = release_patch(*service);
    if (!co_await send(c, ns, name, patch, out)) co_return out;
  }
  co_return out;
}

awaitable<service_sync_outcome> release_services(sync_context& c, std::string_view ns,
                                                 std::string_view policy_name) {
  const std::vector<service_target> none;
  co_return co_await sync_services(c, ns, policy_name, none);
}

}  // namespace rolloutd::reconcile
