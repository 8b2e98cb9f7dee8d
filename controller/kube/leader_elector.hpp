#pragma once

// Leader election on a coordination.k8s.io/v1 Lease: the coroutine shell around
// leader_election_fsm. It reads and writes the Lease every retry period, tells the caller when
// it starts and stops leading, steps down when it cannot renew within the renew deadline (even if
// a request hangs: it stops waiting for it), and on stop() gives the Lease up so a standby takes
// over at its next retry instead of after a whole lease duration.
//
// Threading: run() and every callback execute on `executor`, which must be single-threaded (or a
// strand), as for kube::client. stop() may be called from any thread, also after run() has
// returned. Destroy the elector only after run() has returned, and not while the executor is
// running on another thread.

#include <atomic>
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <random>
#include <string>
#include <string_view>

#include "kube/clock.hpp"
#include "kube/leader_election_fsm.hpp"
#include "kube/lease_store.hpp"
#include "kube/result.hpp"

namespace spdlog {
class logger;
}

namespace rolloutd::kube {

struct leader_election_config {
  std::string identity;  // unique per process, e.g. pod name plus a random suffix
  election_timing timing{};
  double jitter_factor = 1.2;  // a candidate retries after retry_period * [1, 1 + jitter_factor)
  bool release_on_stop = true;
};

// Empty when usable; otherwise what is wrong.
[[nodiscard]] std::string validate_leader_election_config(const leader_election_config& config);

struct leader_callbacks {
  // Leadership has been acquired; start the work that only the leader may do. Must not block.
  std::function<void()> on_started_leading{};
  // Leadership has ended (lost or released); stop that work at once. Must not block.
  std::function<void()> on_stopped_leading{};
  // The Lease's holder changed (empty: released). Optional; for logs and metrics.
  std::function<void(std::string_view holder)> on_new_leader{};
};

enum class election_outcome {
  stopped,  // stop() was called (the Lease was released if we held it and release_on_stop)
  lost,     // we led and could not renew in time, or someone else took the Lease
};

class leader_elector {
 public:
  // `config` must pass validate_leader_election_config (a bad one is a programming error).
  leader_elector(boost::asio::any_io_executor executor, std::shared_ptr<lease_store> store,
                 const rolloutd::clock& clock, leader_election_config config, leader_callbacks callbacks,
                 spdlog::logger& log);
  ~leader_elector();
  leader_elector(const leader_elector&) = delete;
  leader_elector& operator=(const leader_elector&) = delete;

  // Campaigns until it leads, then renews until stop() or until leadership is lost. Once only.
  // After `lost` the process should normally exit, as client-go's users do: work started as leader
  // may still be running.
  boost::asio::awaitable<election_outcome> run();

  // Ends run() soon: a leader calls on_stopped_leading, then releases the Lease (if configured).
  // Leader-only work must be over by the time the release lands, since a standby may start then.
  void stop();

  [[nodiscard]] bool leading() const { return leading_.load(); }

 private:
  struct pending_op;
  enum class op_kind { read, write };

  boost::asio::awaitable<void> attempt();
  boost::asio::awaitable<std::optional<result<nlohmann::json>>> await_op(
      boost::asio::awaitable<result<nlohmann::json>> op, op_kind kind, bool interruptible);
  boost::asio::awaitable<void> wait_for(pending_op& op, bool interruptible);
  boost::asio::awaitable<void> sleep(rolloutd::clock::duration d);
  boost::asio::awaitable<election_outcome> finish_stopped();
  bool accept_write(const nlohmann::json& stored);
  election_outcome lose(std::string_view why);
  void report_holder();
  [[nodiscard]] rolloutd::clock::duration next_delay();
  [[nodiscard]] std::optional<rolloutd::clock::time_point> deadline() const;
  [[nodiscard]] std::string describe() const;

  boost::asio::any_io_executor executor_;
  std::shared_ptr<lease_store> store_;
  const rolloutd::clock& clock_;
  leader_election_config config_;
  leader_callbacks callbacks_;
  spdlog::logger& log_;
  leader_election_fsm fsm_;
  boost::asio::steady_timer wake_;
  std::shared_ptr<pending_op> inflight_{};
  nlohmann::json last_lease_{};  // as last read or written: the base (and resourceVersion) of updates
  std::string reported_holder_{};
  bool stopping_ = false;      // touched only on executor_
  std::string lost_reason_{};  // set when someone else's write ended our leadership
  std::atomic<bool> leading_{false};
  std::minstd_rand jitter_rng_;
  std::shared_ptr<const bool> alive_ = std::make_shared<const bool>(true);  // see stop()
};

}  // namespace rolloutd::kube
