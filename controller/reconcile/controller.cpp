#include "reconcile/controller.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>

#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "reconcile/replica_sets.hpp"
#include "reconcile/service_patch.hpp"
#include "reconcile/sync_steps.hpp"

namespace rolloutd::reconcile {

namespace {

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
  services_ = make_informer(executor, api, services_resource(), ns, "", log_);

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
  auto service = [this](const kube::object_ptr& o) { enqueue_for_service(o); };
  (void)services_->add_handlers({
      .on_add = service,
      .on_update =
          [service](const kube::object_ptr& before, const kube::object_ptr& now) {
            service(now);
            service(before);
          },
      .on_delete = service,
  });

  reconciler_ = std::make_unique<policy_reconciler>(reconciler_deps{
      .api = api,
      .policies = policies_->cache(),
      .replica_sets = replica_sets_->cache(),
      .services = services_->cache(),
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

// The policy that manages the Service (a pin to release or keep) and every policy naming it (a
// Service that appeared or changed under a strategy waiting for it).
void controller::enqueue_for_service(const kube::object_ptr& service) {
  const auto& meta = service->value("metadata", nlohmann::json::object());
  const std::string ns = meta.value("namespace", "");
  const std::string name = meta.value("name", "");
  if (const std::string manager = service_manager(*service); !manager.empty()) {
    queue_.add(object_key(ns, manager));
  }
  for (const auto& policy : policies_->cache().list_namespace(ns)) {
    if (policy_names_service(*policy, name)) queue_.add(kube::informer_cache::key_of(*policy));
  }
}

void controller::start() {
  if (started_) return;
  started_ = true;
  for (auto* i : {policies_.get(), replica_sets_.get(), services_.get()}) {
    boost::asio::co_spawn(executor_, i->run(), boost::asio::detached);
  }
  boost::asio::co_spawn(executor_, start_workers_when_synced(), boost::asio::detached);
}

// Workers start once every cache holds a complete list (client-go's WaitForCacheSync): a reconcile
// against a half-filled cache would take a missing ReplicaSet for one to create, or a missing
// policy for one whose Services to release.
boost::asio::awaitable<void> controller::start_workers_when_synced() {
  boost::asio::steady_timer timer(executor_);
  while (!synced()) {
    if (stopping_.load()) co_return;
    timer.expires_after(std::chrono::milliseconds(100));
    co_await timer.async_wait(boost::asio::use_awaitable);
  }
  std::lock_guard lock(start_mutex_);
  if (stopping_.load()) co_return;
  loop_->start(options_.workers);
  log_->info("caches synced; {} workers started", options_.workers);
}

void controller::stop(std::chrono::steady_clock::duration budget) {
  if (!started_) return;
  {
    std::lock_guard lock(start_mutex_);
    stopping_.store(true);
  }
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
