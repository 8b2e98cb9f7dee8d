#include "reconcile/controller.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>

#include "reconcile/replica_sets.hpp"

namespace rolloutd::reconcile {

namespace {

const kube::resource_type services_resource{"", "v1", "services", true};

std::unique_ptr<kube::informer> make_informer(boost::asio::any_io_executor executor, kube::client& api,
                                              const kube::resource_type& type, const std::string& ns,
                                              std::string label_selector,
                                              const std::shared_ptr<spdlog::logger>& log) {
  kube::informer_options options;
  options.name = type.plural;
  options.list_watch.label_selector = std::move(label_selector);
  options.logger = log;
  return std::make_unique<kube::informer>(executor, kube::make_client_source(api, type, ns),
                                          std::move(options));
}

}  // namespace

controller::controller(boost::asio::any_io_executor executor, kube::client& api, kube::event_recorder* events,
                       const rolloutd::clock& clock, std::shared_ptr<spdlog::logger> log,
                       controller_options options)
    : executor_(executor),
      log_(std::move(log)),
      options_(std::move(options)),
      queue_(clock, nullptr, options_.queue_observer) {
  const auto& ns = options_.namespace_name;
  policies_ = make_informer(executor, api, rollout_policies_resource(), ns, "", log_);
  replica_sets_ =
      make_informer(executor, api, replica_sets_resource(), ns, std::string(pod_template_hash_label), log_);
  services_ = make_informer(executor, api, services_resource, ns, "", log_);

  auto enqueue = [this](const kube::object_ptr& o) { queue_.add(kube::informer_cache::key_of(*o)); };
  (void)policies_->add_handlers({
      .on_add = enqueue,
      .on_update = [enqueue](const kube::object_ptr&, const kube::object_ptr& now) { enqueue(now); },
      .on_delete = [](const kube::object_ptr&) {},  // children are garbage-collected
  });
  auto owner = [this](const kube::object_ptr& o) { enqueue_owner(o); };
  (void)replica_sets_->add_handlers({
      .on_add = owner,
      .on_update =
          [owner](const kube::object_ptr& before, const kube::object_ptr& now) {
            owner(now);
            owner(before);  // an owner reference removed: the old owner must notice
          },
      .on_delete = owner,
  });

  reconciler_ = std::make_unique<policy_reconciler>(reconciler_deps{
      .api = api,
      .policies = policies_->cache(),
      .replica_sets = replica_sets_->cache(),
      .events = events,
      .clock = clock,
      .log = *log_,
  });
  loop_ = std::make_unique<work_loop>(
      executor, queue_, [this](std::string key) { return reconciler_->reconcile(std::move(key)); }, *log_,
      reconcile_timing{.clock = &clock, .on_reconciled = options_.on_reconciled});
}

controller::~controller() = default;

void controller::enqueue_owner(const kube::object_ptr& object) {
  const auto& meta = object->value("metadata", nlohmann::json::object());
  const auto refs = meta.find("ownerReferences");
  if (refs == meta.end() || !refs->is_array()) return;
  for (const auto& ref : *refs) {
    if (!ref.is_object() || !ref.value("controller", false)) continue;
    if (ref.value("kind", "") != policy_kind) continue;
    const std::string api_version = ref.value("apiVersion", "");
    if (api_version.rfind("rolloutd.io/", 0) != 0) continue;
    queue_.add(object_key(meta.value("namespace", ""), ref.value("name", "")));
  }
}

void controller::start() {
  if (started_) return;
  started_ = true;
  for (auto* i : {policies_.get(), replica_sets_.get(), services_.get()}) {
    boost::asio::co_spawn(executor_, i->run(), boost::asio::detached);
  }
  loop_->start(options_.workers);
}

void controller::stop(std::chrono::steady_clock::duration budget) {
  if (!started_) return;
  loop_->stop(budget);
  for (auto* i : {policies_.get(), replica_sets_.get(), services_.get()}) i->stop();
}

bool controller::synced() const {
  return policies_->has_synced() && replica_sets_->has_synced() && services_->has_synced();
}

std::vector<std::pair<std::string, const kube::informer*>> controller::informers() const {
  return {{"rolloutpolicies", policies_.get()},
          {"replicasets", replica_sets_.get()},
          {"services", services_.get()}};
}

std::string controller::not_synced_reason() const {
  std::string out;
  if (!policies_->has_synced()) out += "rolloutpolicies ";
  if (!replica_sets_->has_synced()) out += "replicasets ";
  if (!services_->has_synced()) out += "services ";
  return out.empty() ? out : "informers not synced: " + out;
}

}  // namespace rolloutd::reconcile
