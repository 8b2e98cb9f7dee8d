#include "kube/leader_elector.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <exception>
#include <stdexcept>

namespace rolloutd::kube {

namespace asio = boost::asio;
using json = nlohmann::json;

// A request running on its own so that the elector can stop waiting for it (renew deadline, stop)
// without cancelling it: kube::client requests are not cancellable mid-flight, and a leader must
// step down on time even if the API server hangs. `done` is cancelled when the value arrives, and
// otherwise expires at the deadline.
struct leader_elector::pending_op {
  pending_op(asio::any_io_executor executor, op_kind k) : done(std::move(executor)), kind(k) {}
  asio::steady_timer done;
  op_kind kind;
  std::optional<result<json>> value{};
  bool consumed = false;  // the elector has acted on `value`
};

std::string validate_leader_election_config(const leader_election_config& config) {
  if (config.identity.empty()) return "identity must not be empty";
  return validate_election_timing(config.timing, config.jitter_factor);
}

leader_elector::leader_elector(asio::any_io_executor executor, std::shared_ptr<lease_store> store,
                               const rolloutd::clock& clock, leader_election_config config,
                               leader_callbacks callbacks, spdlog::logger& log)
    : executor_(std::move(executor)),
      store_(std::move(store)),
      clock_(clock),
      config_(std::move(config)),
      callbacks_(std::move(callbacks)),
      log_(log),
      fsm_(config_.identity, config_.timing),
      wake_(executor_),
      jitter_rng_(std::random_device{}()) {
  if (auto error = validate_leader_election_config(config_); !error.empty()) {
    throw std::invalid_argument("leader election config: " + error);
  }
}

leader_elector::~leader_elector() = default;

std::string leader_elector::describe() const {
  return store_->namespace_name() + "/" + store_->name();
}

void leader_elector::stop() {
  // The elector may be destroyed (after run() returned) before this runs.
  asio::post(executor_, [this, alive = std::weak_ptr<const bool>(alive_)] {
    if (alive.expired()) return;
    stopping_ = true;
    wake_.cancel();
    if (inflight_) inflight_->done.cancel();
  });
}

asio::awaitable<election_outcome> leader_elector::run() {
  log_.info("{}: campaigning for lease {}", config_.identity, describe());
  while (!stopping_) {
    if (fsm_.renew_deadline_passed(clock_.now())) co_return lose("could not renew within the renew deadline");
    co_await attempt();
    if (!lost_reason_.empty()) co_return lose(lost_reason_);
    if (stopping_) break;
    co_await sleep(next_delay());
  }
  co_return co_await finish_stopped();
}

asio::awaitable<void> leader_elector::attempt() {
  if (auto renewal = fsm_.optimistic_renewal(clock_.now(), clock_.wall_now())) {
    auto written =
        co_await await_op(store_->update(with_lease_record(last_lease_, *renewal)), op_kind::write, true);
    if (!written) co_return;
    if (written->ok() && accept_write(written->value())) co_return;
    if (!written->ok()) {
      log_.debug("{}: renewing {} without reading it failed ({}), reading it", config_.identity, describe(),
                 written->error().message);
    }
  }

  auto got = co_await await_op(store_->get(), op_kind::read, true);
  if (!got) co_return;
  std::optional<lease_record> observed;
  if (got->ok()) {
    auto parsed = parse_lease_record(got->value());
    if (!parsed.record) {
      log_.warn("{}: lease {} is malformed: {}", config_.identity, describe(), parsed.error);
      co_return;
    }
    observed = std::move(parsed.record);
    last_lease_ = std::move(got->value());
  } else if (!got->error().not_found()) {
    log_.warn("{}: cannot read lease {}: {} {}", config_.identity, describe(), got->error().code,
              got->error().message);
    co_return;
  }

  const auto decision = fsm_.observe(observed, clock_.now(), clock_.wall_now());
  report_holder();
  std::optional<result<json>> written;
  switch (decision.action) {
    case election_action::wait:
      co_return;
    case election_action::stop_leading:
      lost_reason_ = fsm_.observed_holder().empty() || fsm_.observed_holder() == config_.identity
                         ? std::string("could not renew within the renew deadline")
                         : "taken over by " + std::string(fsm_.observed_holder());
      co_return;
    case election_action::create:
      written = co_await await_op(
          store_->create(make_lease(store_->namespace_name(), store_->name(), decision.record)),
          op_kind::write, true);
      break;
    case election_action::acquire:
    case election_action::renew:
      written = co_await await_op(store_->update(with_lease_record(last_lease_, decision.record)),
                                  op_kind::write, true);
      break;
  }
  if (!written) co_return;
  if (!written->ok()) {
    // A conflict is the normal outcome of a race with another candidate; the next read shows who won.
    auto level = written->error().conflict() ? spdlog::level::debug : spdlog::level::warn;
    log_.log(level, "{}: cannot {} lease {}: {} {}", config_.identity, to_string(decision.action), describe(),
             written->error().code, written->error().message);
    co_return;
  }
  accept_write(written->value());
}

asio::awaitable<std::optional<result<json>>> leader_elector::await_op(asio::awaitable<result<json>> op,
                                                                      op_kind kind, bool interruptible) {
  auto pending = std::make_shared<pending_op>(executor_, kind);
  inflight_ = pending;
  if (auto limit = deadline()) {
    pending->done.expires_after(*limit - clock_.now());
  } else {
    pending->done.expires_at(asio::steady_timer::time_point::max());
  }
  // Parameters, not captures: they live in the coroutine frame, which outlasts this lambda object.
  auto run_op = [](std::shared_ptr<pending_op> into, [[maybe_unused]] std::shared_ptr<lease_store> keep_alive,
                   asio::awaitable<result<json>> request) -> asio::awaitable<void> {
    into->value.emplace(co_await std::move(request));
    into->done.cancel();
  };
  asio::co_spawn(executor_, run_op(pending, store_, std::move(op)), [](std::exception_ptr bug) {
    if (bug) std::rethrow_exception(bug);
  });
  co_await wait_for(*pending, interruptible);
  if (!pending->value) co_return std::nullopt;
  pending->consumed = true;
  co_return std::move(pending->value);
}

asio::awaitable<void> leader_elector::wait_for(pending_op& op, bool interruptible) {
  while (!op.value && !(interruptible && stopping_)) {
    auto [ec] = co_await op.done.async_wait(asio::as_tuple(asio::use_awaitable));
    if (!ec) co_return;  // the deadline, not a cancel: give up on this request
  }
}

asio::awaitable<void> leader_elector::sleep(rolloutd::clock::duration d) {
  if (stopping_) co_return;
  wake_.expires_after(d);
  co_await wake_.async_wait(asio::as_tuple(asio::use_awaitable));
}

asio::awaitable<election_outcome> leader_elector::finish_stopped() {
  if (leading_.exchange(false)) {
    log_.info("{}: stopping; giving up leadership of lease {}", config_.identity, describe());
    if (callbacks_.on_stopped_leading) callbacks_.on_stopped_leading();
  }
  if (!config_.release_on_stop) co_return election_outcome::stopped;

  // A write interrupted by stop() may still land: a renewal (releasing from the version before it
  // would only earn a conflict) or an acquisition (which would leave the Lease held by nobody
  // alive). Wait for it, briefly, and build on what it wrote.
  if (inflight_ && inflight_->kind == op_kind::write && !inflight_->consumed) {
    auto pending = inflight_;
    if (!pending->value) {
      auto cap = asio::steady_timer::clock_type::now() + config_.timing.renew_deadline;
      if (auto limit = deadline())
        cap = std::min(cap, asio::steady_timer::clock_type::now() + (*limit - clock_.now()));
      pending->done.expires_at(std::min(pending->done.expiry(), cap));
      co_await wait_for(*pending, false);
    }
    if (pending->value && pending->value->ok()) {
      pending->consumed = true;
      accept_write(pending->value->value());
    }
  }

  auto now = clock_.now();
  if (!fsm_.leading() || fsm_.renew_deadline_passed(now)) co_return election_outcome::stopped;
  auto record = fsm_.release(now, clock_.wall_now());
  auto written =
      co_await await_op(store_->update(with_lease_record(last_lease_, *record)), op_kind::write, false);
  if (written && written->ok() && accept_write(written->value())) {
    log_.info("{}: released lease {}", config_.identity, describe());
  } else {
    log_.warn("{}: could not release lease {} ({}); a standby takes over when it expires", config_.identity,
              describe(),
              !written        ? std::string("timed out")
              : written->ok() ? "malformed answer"
                              : written->error().message);
  }
  co_return election_outcome::stopped;
}

bool leader_elector::accept_write(const json& stored) {
  auto parsed = parse_lease_record(stored);
  if (!parsed.record) {
    log_.warn("{}: lease {} as written is malformed: {}", config_.identity, describe(), parsed.error);
    return false;
  }
  last_lease_ = stored;
  const bool was_leading = fsm_.leading();
  fsm_.write_succeeded(*parsed.record, clock_.now());
  report_holder();
  if (!was_leading && fsm_.leading() && !stopping_) {
    leading_ = true;
    log_.info("{}: became leader on lease {}", config_.identity, describe());
    if (callbacks_.on_started_leading) callbacks_.on_started_leading();
  }
  return true;
}

election_outcome leader_elector::lose(std::string_view why) {
  leading_ = false;
  log_.warn("{}: lost leadership of lease {}: {}", config_.identity, describe(), why);
  if (callbacks_.on_stopped_leading) callbacks_.on_stopped_leading();
  return election_outcome::lost;
}

void leader_elector::report_holder() {
  auto holder = fsm_.observed_holder();
  if (holder == reported_holder_) return;
  reported_holder_ = holder;
  log_.info("{}: lease {} is held by {}", config_.identity, describe(), holder.empty() ? "nobody" : holder);
  if (callbacks_.on_new_leader) callbacks_.on_new_leader(holder);
}

std::optional<rolloutd::clock::time_point> leader_elector::deadline() const {
  if (!fsm_.leading()) return std::nullopt;
  return fsm_.renew_deadline_at();
}

rolloutd::clock::duration leader_elector::next_delay() {
  const rolloutd::clock::duration retry = config_.timing.retry_period;
  if (fsm_.leading()) {
    auto left = fsm_.renew_deadline_at() - clock_.now();
    return std::clamp(left, rolloutd::clock::duration::zero(), retry);
  }
  // Candidates spread out so that they do not all hit the API server in the same instant.
  std::uniform_real_distribution<double> spread(0.0, config_.jitter_factor);
  return std::chrono::duration_cast<rolloutd::clock::duration>(retry * (1.0 + spread(jitter_rng_)));
}

}  // namespace rolloutd::kube
