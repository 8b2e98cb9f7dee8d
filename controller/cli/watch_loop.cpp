// `get --watch` and `status --watch`: informers (list, then watch, resuming after failures) keep
// the objects current; each change is rendered by the same pure functions the one-shot commands
// use. On a terminal `get --watch` redraws its view in place (and refreshes ages every second);
// elsewhere it prints a new view per change, so a log of it reads top to bottom.

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <csignal>
#include <memory>

#include "cli/commands.hpp"
#include "cli/connection.hpp"
#include "cli/errors.hpp"
#include "cli/render.hpp"
#include "cli/status_report.hpp"
#include "kube/informer.hpp"

namespace rolloutd::cli {

namespace {

using boost::asio::awaitable;
using json = nlohmann::json;

// How often the view loop looks for changes to draw: a screen refresh rate, not a wait for a
// condition (the informers deliver the changes as they happen).
constexpr auto frame_interval = std::chrono::milliseconds(200);
constexpr auto age_refresh = std::chrono::seconds(1);

kube::informer_options options_for(std::string name, std::string label_selector, std::string field_selector) {
  kube::informer_options o;
  o.name = std::move(name);
  o.list_watch.label_selector = std::move(label_selector);
  o.list_watch.field_selector = std::move(field_selector);
  return o;
}

render_options stdout_options(command_context& ctx) {
  render_options o = render_options_for(ctx.terminal());
  o.now = ctx.clock.wall_now();
  return o;
}

std::vector<json> snapshot(const kube::informer& informer) {
  std::vector<json> out;
  for (const auto& object : informer.cache().list()) out.push_back(*object);
  return out;
}

// informer::stop() posts its work to the executor; yielding once lets whatever was posted run
// before the informers it refers to go out of scope.
awaitable<void> settle(const boost::asio::any_io_executor& executor) {
  co_await boost::asio::post(executor, boost::asio::use_awaitable);
}

std::size_t count_lines(const std::string& text) {
  return static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n'));
}

}  // namespace

awaitable<int> watch_status(command_context& ctx, const std::string& name, std::chrono::nanoseconds timeout) {
  auto policy = co_await fetch_policy(ctx, name);
  if (!policy) co_return 1;
  auto executor = co_await boost::asio::this_coro::executor;
  std::string last;
  std::optional<int> outcome;
  // Prints a line when the state changed; true once the rollout is done either way.
  auto look = [&](const json& object) {
    if (outcome) return true;
    const auto report = evaluate_status(object);
    if (report.text != last) {
      ctx.out << format_status_line(report, stdout_options(ctx)) << '\n' << std::flush;
      last = report.text;
    }
    if (report.verdict == rollout_verdict::waiting) return false;
    outcome = report.verdict == rollout_verdict::healthy ? 0 : 1;
    return true;
  };

  std::unique_ptr<kube::informer> policies;
  bool running = false;
  bool timed_out = false;
  boost::asio::steady_timer deadline(executor);
  if (timeout.count() > 0) {
    deadline.expires_after(timeout);
    deadline.async_wait([&](boost::system::error_code ec) {
      if (ec || outcome) return;  // cancelled: the frame that owns the captures may be gone
      timed_out = true;
      outcome = 1;
      if (running) policies->stop();
    });
  }
  while (!look(*policy)) {
    bool vanished = false;
    policies = std::make_unique<kube::informer>(
        executor, kube::make_client_source(ctx.api, policies_type(), ctx.namespace_name),
        options_for("rolloutpolicies", "", "metadata.name=" + name));
    auto& informer = *policies;
    (void)informer.add_handlers({
        .on_add =
            [&](const kube::object_ptr& o) {
              if (look(*o)) informer.stop();
            },
        .on_update =
            [&](const kube::object_ptr&, const kube::object_ptr& o) {
              if (look(*o)) informer.stop();
            },
        .on_delete =
            [&](const kube::object_ptr&) {
              vanished = true;
              informer.stop();
            },
    });
    running = true;
    co_await informer.run();
    running = false;
    co_await settle(executor);
    if (outcome || !vanished) break;
    // A watch can lose sight of the policy without its being deleted (a re-list while its CRD is
    // being updated came back without it): ask the API server before believing it.
    auto again = co_await ctx.api.get(policies_type(), ctx.namespace_name, name);
    if (outcome) break;
    if (!again.ok()) {
      if (again.error().not_found()) {
        ctx.err << "error: " << policy_ref(name) << " was deleted\n";
      } else {
        report_failure(ctx, again.error(), policy_resource_name, name);
      }
      outcome = 1;
      break;
    }
    policy = std::move(again).value();
  }
  deadline.cancel();
  if (timed_out) ctx.err << "error: timed out waiting for rollout \"" << name << "\" to finish\n";
  co_return outcome.value_or(1);
}

awaitable<int> watch_get(command_context& ctx, const std::string& name) {
  auto first = co_await fetch_policy(ctx, name);
  if (!first) co_return 1;
  const std::string selector = selector_of(*first);
  auto executor = co_await boost::asio::this_coro::executor;
  kube::informer policies(executor, kube::make_client_source(ctx.api, policies_type(), ctx.namespace_name),
                          options_for("rolloutpolicies", "", "metadata.name=" + name));
  kube::informer replica_sets(executor,
                              kube::make_client_source(ctx.api, replica_sets_type(), ctx.namespace_name),
                              options_for("replicasets", selector, ""));
  kube::informer pods(executor, kube::make_client_source(ctx.api, pods_type(), ctx.namespace_name),
                      options_for("pods", selector, ""));
  kube::informer* informers[] = {&policies, &replica_sets, &pods};

  bool dirty = true;
  bool vanished = false;  // the policy informer reported it gone: to be confirmed
  bool deleted = false;
  bool interrupted = false;
  json known_policy = std::move(*first);  // drawn while the informer has no copy
  for (auto* informer : informers) {
    (void)informer->add_handlers({
        .on_add = [&](const kube::object_ptr&) { dirty = true; },
        .on_update = [&](const kube::object_ptr&, const kube::object_ptr&) { dirty = true; },
        .on_delete =
            [&, informer](const kube::object_ptr&) {
              dirty = true;
              if (informer == &policies) vanished = true;
            },
    });
  }
  int running = 0;
  for (auto* informer : informers) {
    ++running;
    boost::asio::co_spawn(executor, informer->run(), [&running](std::exception_ptr) { --running; });
  }
  boost::asio::signal_set signals(executor, SIGINT, SIGTERM);
  signals.async_wait([&](boost::system::error_code ec, int) {
    if (!ec) interrupted = true;  // cancelled: the frame that owns the captures may be gone
  });

  boost::asio::steady_timer tick(executor);
  std::size_t drawn_lines = 0;
  auto last_draw = ctx.clock.now();
  while (!interrupted && !deleted) {
    tick.expires_after(frame_interval);
    co_await tick.async_wait(boost::asio::use_awaitable);
    if (vanished) {
      // As in watch_status: a watch can lose sight of the policy without its being deleted.
      vanished = false;
      auto again = co_await ctx.api.get(policies_type(), ctx.namespace_name, name);
      if (!again.ok() && again.error().not_found()) {
        deleted = true;
        break;
      }
      if (again.ok()) known_policy = std::move(again).value();
    }
    if (!policies.has_synced() || !replica_sets.has_synced() || !pods.has_synced()) continue;
    const auto terminal = ctx.terminal();
    const bool refresh_ages = terminal.tty && ctx.clock.now() - last_draw >= age_refresh;
    if (!dirty && !refresh_ages) continue;
    if (auto cached = policies.cache().get(ctx.namespace_name, name)) known_policy = *cached;
    const auto view = make_rollout_view(known_policy, snapshot(replica_sets), snapshot(pods));
    std::string frame = render_get(view, stdout_options(ctx));
    if (terminal.tty) {
      frame = fit_height(frame, terminal.height);  // lines scrolled away cannot be redrawn
      // Back to the top of the previous frame, clear below, draw the new one.
      if (drawn_lines > 0) ctx.out << "\x1b[" << drawn_lines << "F";
      ctx.out << "\x1b[J" << frame << std::flush;
      drawn_lines = count_lines(frame);
    } else {
      ctx.out << frame << '\n' << std::flush;
    }
    dirty = false;
    last_draw = ctx.clock.now();
  }
  if (deleted) ctx.err << "error: " << policy_ref(name) << " was deleted\n";
  signals.cancel();
  for (auto* informer : informers) informer->stop();
  while (running > 0) {  // the informers must end before they are destroyed
    tick.expires_after(std::chrono::milliseconds(10));
    co_await tick.async_wait(boost::asio::use_awaitable);
  }
  co_await settle(executor);
  co_return deleted ? 1 : 0;
}

}  // namespace rolloutd::cli
