// kubectl-rp's commands against the in-process HTTPS server: what they send (path, subresource,
// body), what they print and the exit code, including the paths a live cluster rarely shows — a
// conflict between read and write, a refusal by RBAC.

#include <sstream>

#include "api/timestamp.hpp"
#include "cli/commands.hpp"
#include "cli_test_support.hpp"
#include "client_fixture.hpp"

namespace rolloutd::testing {
namespace {

namespace net = boost::asio;
using json = nlohmann::json;
using namespace rolloutd::cli;

constexpr std::string_view policy_path = "/apis/rolloutd.io/v1alpha1/namespaces/shop/rolloutpolicies/hello";

fake_reply json_reply(const json& body, unsigned status = 200) {
  return fake_reply{.status = status, .body = body.dump()};
}

fake_reply status_reply(unsigned code, const std::string& reason, const std::string& message) {
  return json_reply({{"kind", "Status"},
                     {"apiVersion", "v1"},
                     {"status", "Failure"},
                     {"reason", reason},
                     {"message", message},
                     {"code", code}},
                    code);
}

json body_of(const fake_request& r) {
  return json::parse(r.body, nullptr, false);
}

bool is_get(const fake_request& r) {
  return r.method == "GET" && r.target == policy_path;
}

class cli_commands : public client_fixture {
 protected:
  // Runs a command line against `server` and returns the exit code; output lands in out/err.
  int run_command(fake_api_server& server, const std::vector<std::string>& argv) {
    auto parsed = parse_command_line(argv);
    EXPECT_TRUE(parsed.ok()) << parsed.error;
    kube::client api(io.get_executor(), config_for(server), fast_options(), clock);
    command_context ctx{.api = api,
                        .clock = clock,
                        .namespace_name = "shop",
                        .server = "https://127.0.0.1:" + server.port(),
                        .out = out,
                        .err = err,
                        .terminal = [] { return terminal_info{}; }};
    const command_line& cl = parsed.value;
    return run<int>(server,
                    [&]() -> net::awaitable<int> { co_return co_await run_cluster_command(ctx, cl); });
  }

  std::vector<fake_request> patches(const fake_api_server& server) const {
    std::vector<fake_request> out;
    for (const auto& r : server.requests()) {
      if (r.method == "PATCH") out.push_back(r);
    }
    return out;
  }

  json policy = cli::testing::load_fixture("canary_paused.json")["policy"];
  std::ostringstream out;
  std::ostringstream err;
};

TEST_F(cli_commands, SetImageRebuildsItsPatchAfterAConflict) {
  int gets = 0;
  int writes = 0;
  fake_api_server server(io.get_executor(), server_cert, [&](const fake_request& r) {
    if (is_get(r)) {
      json p = policy;
      p["metadata"]["resourceVersion"] = std::to_string(++gets);
      return json_reply(p);
    }
    if (r.method == "PATCH" && ++writes == 1)
      return status_reply(409, "Conflict", "the object has been modified");
    return json_reply(policy);
  });
  EXPECT_EQ(run_command(server, {"set", "image", "hello", "hello=kelseyhightower/hello:3.0.0"}), 0)
      << err.str();
  EXPECT_EQ(out.str(), "rolloutpolicy.rolloutd.io/hello image updated\n");
  const auto sent = patches(server);
  ASSERT_EQ(sent.size(), 2u);
  EXPECT_EQ(sent[0].target, policy_path);
  EXPECT_EQ(sent[0].headers.at("content-type"), "application/merge-patch+json");
  EXPECT_EQ(body_of(sent[0])["metadata"]["resourceVersion"], "1");
  EXPECT_EQ(body_of(sent[1])["metadata"]["resourceVersion"], "2");  // read again, not resent blindly
  EXPECT_EQ(body_of(sent[1])["spec"]["template"]["spec"]["containers"][0]["image"],
            "kelseyhightower/hello:3.0.0");
}

TEST_F(cli_commands, PersistentConflictsGiveUp) {
  fake_api_server server(io.get_executor(), server_cert, [&](const fake_request& r) {
    if (is_get(r)) return json_reply(policy);
    return status_reply(409, "Conflict", "the object has been modified");
  });
  EXPECT_EQ(run_command(server, {"set", "image", "hello", "hello=x:3"}), 1);
  EXPECT_EQ(patches(server).size(), 5u);
  EXPECT_EQ(err.str(), "Error from server (Conflict): the object has been modified\n");
}

TEST_F(cli_commands, OperationsPatchTheStatusSubresourceOnly) {
  fake_api_server server(io.get_executor(), server_cert,
                         [&](const fake_request&) { return json_reply(policy); });
  EXPECT_EQ(run_command(server, {"promote", "hello", "--full"}), 0) << err.str();
  EXPECT_EQ(out.str(), "rolloutpolicy.rolloutd.io/hello full promotion requested\n");
  ASSERT_EQ(server.requests().size(), 1u);  // no read needed: the request replaces any pending one
  const auto& r = server.requests()[0];
  EXPECT_EQ(r.method, "PATCH");
  EXPECT_EQ(r.target, std::string(policy_path) + "/status");
  const json op = body_of(r)["status"]["operation"];
  EXPECT_EQ(op["type"], "PromoteFull");
  EXPECT_EQ(op["requestedBy"], "kubectl-rp");
  EXPECT_TRUE(rolloutd::api::parse_timestamp(op["requestedAt"].get<std::string>()).has_value());
  EXPECT_EQ(body_of(r).size(), 1u);  // nothing but status
}

TEST_F(cli_commands, ForbiddenIsReportedInTheServersWords) {
  const std::string why =
      "rolloutpolicies.rolloutd.io \"hello\" is forbidden: User \"viewer\" cannot patch resource "
      "\"rolloutpolicies/status\" in API group \"rolloutd.io\" in the namespace \"shop\"";
  fake_api_server server(io.get_executor(), server_cert,
                         [&](const fake_request&) { return status_reply(403, "Forbidden", why); });
  EXPECT_EQ(run_command(server, {"abort", "hello"}), 1);
  EXPECT_EQ(out.str(), "");
  EXPECT_EQ(err.str(), "Error from server (Forbidden): " + why + "\n");
}

TEST_F(cli_commands, PausingAPausedPolicyWritesNothing) {
  policy["spec"]["paused"] = true;
  fake_api_server server(io.get_executor(), server_cert,
                         [&](const fake_request&) { return json_reply(policy); });
  EXPECT_EQ(run_command(server, {"pause", "hello"}), 1);
  EXPECT_EQ(err.str(), "error: rolloutpolicy.rolloutd.io/hello: already paused\n");
  EXPECT_TRUE(patches(server).empty());
}

TEST_F(cli_commands, UndoReadsTheReplicaSetsAndSendsTheRevisionsTemplate) {
  const auto fixture = cli::testing::load_fixture("canary_paused.json");
  const json replica_sets = {
      {"kind", "ReplicaSetList"}, {"metadata", json::object()}, {"items", fixture["replicaSets"]}};
  fake_api_server server(io.get_executor(), server_cert, [&](const fake_request& r) {
    if (r.target.starts_with("/apis/apps/v1/namespaces/shop/replicasets")) return json_reply(replica_sets);
    return json_reply(policy);
  });
  EXPECT_EQ(run_command(server, {"undo", "hello"}), 0) << err.str();
  EXPECT_EQ(out.str(), "rolloutpolicy.rolloutd.io/hello rolled back to revision 2\n");
  const auto list =
      std::find_if(server.requests().begin(), server.requests().end(),
                   [](const fake_request& r) { return r.target.find("replicasets") != std::string::npos; });
  ASSERT_NE(list, server.requests().end());
  EXPECT_NE(list->target.find("labelSelector=app%3Dhello"), std::string::npos) << list->target;
  const auto sent = patches(server);
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(body_of(sent[0])["spec"]["template"]["spec"]["containers"][0]["image"],
            "kelseyhightower/hello:1.0.0");
}

TEST_F(cli_commands, StatusWithoutWatchingExitsByVerdict) {
  const std::vector<std::pair<std::string, int>> cases = {{"Paused", 0}, {"Degraded", 1}, {"Healthy", 0}};
  for (const auto& [phase, code] : cases) {
    policy["status"]["phase"] = phase;
    fake_api_server server(io.get_executor(), server_cert,
                           [&](const fake_request&) { return json_reply(policy); });
    EXPECT_EQ(run_command(server, {"status", "hello", "--watch=false"}), code) << phase;
  }
  EXPECT_EQ(out.str(),
            "Waiting for rollout \"hello\" to finish: step 1/4, canary weight 20%: Paused - paused at step "
            "2/4 (pause: until promoted) "
            "(continue with: kubectl rp promote hello)\n"
            "rollout \"hello\" is Degraded: paused at step 2/4 (pause: until promoted)\n"
            "rollout \"hello\" successfully rolled out\n");
}

// status --watch: a watch that reports the policy gone is checked with a GET before the command
// believes it (a re-list during a CRD update can come back without the policy).
class cli_status_watch : public cli_commands {
 protected:
  fake_reply answer(const fake_request& r, const fake_reply& after_vanishing) {
    if (r.target.find("watch=true") != std::string::npos) {
      if (++watches > 1) return fake_reply{.never_answer = true};
      json event = {{"type", "DELETED"}, {"object", progressing}};
      return fake_reply{.chunks = {event.dump() + "\n"}};
    }
    if (r.target.find("/rolloutpolicies?") != std::string::npos) {
      json list = {
          {"kind", "RolloutPolicyList"}, {"metadata", {{"resourceVersion", "10"}}}, {"items", {progressing}}};
      return json_reply(list);
    }
    return ++gets == 1 ? json_reply(progressing) : after_vanishing;
  }

  json progressing = [this] {
    json p = policy;
    p["spec"].erase("strategy");
    p["status"] = {{"observedGeneration", 3},
                   {"phase", "Progressing"},
                   {"replicas", 4},
                   {"updatedReplicas", 2},
                   {"availableReplicas", 3}};
    return p;
  }();
  int gets = 0;
  int watches = 0;
};

TEST_F(cli_status_watch, APolicyThatOnlyVanishedFromTheWatchIsLookedUpAgain) {
  json healthy = progressing;
  healthy["status"]["phase"] = "Healthy";
  const fake_reply found = json_reply(healthy);
  fake_api_server server(io.get_executor(), server_cert,
                         [&](const fake_request& r) { return answer(r, found); });
  EXPECT_EQ(run_command(server, {"status", "hello", "--timeout=20s"}), 0) << err.str();
  EXPECT_EQ(gets, 2);
  EXPECT_EQ(err.str(), "");
  EXPECT_EQ(out.str(),
            "Waiting for rollout \"hello\" to finish: 2 out of 4 new replicas have been updated...\n"
            "rollout \"hello\" successfully rolled out\n");
}

TEST_F(cli_status_watch, ADeletedPolicyEndsTheWait) {
  const fake_reply gone = status_reply(404, "NotFound", "rolloutpolicies.rolloutd.io \"hello\" not found");
  fake_api_server server(io.get_executor(), server_cert,
                         [&](const fake_request& r) { return answer(r, gone); });
  EXPECT_EQ(run_command(server, {"status", "hello", "--timeout=20s"}), 1);
  EXPECT_EQ(err.str(), "error: rolloutpolicy.rolloutd.io/hello was deleted\n");
}

TEST_F(cli_status_watch, TimeoutEndsTheWaitWithExit1) {
  json still = progressing;
  fake_api_server server(io.get_executor(), server_cert, [&](const fake_request& r) {
    if (r.target.find("watch=true") != std::string::npos) return fake_reply{.never_answer = true};
    return answer(r, json_reply(still));
  });
  EXPECT_EQ(run_command(server, {"status", "hello", "--timeout=300ms"}), 1);
  EXPECT_EQ(err.str(), "error: timed out waiting for rollout \"hello\" to finish\n");
}

TEST_F(cli_commands, AMissingPolicyIsNotFound) {
  fake_api_server server(io.get_executor(), server_cert, [&](const fake_request&) {
    return status_reply(404, "NotFound", "rolloutpolicies.rolloutd.io \"hello\" not found");
  });
  EXPECT_EQ(run_command(server, {"get", "hello"}), 1);
  EXPECT_EQ(err.str(), "Error from server (NotFound): rolloutpolicies.rolloutd.io \"hello\" not found\n");
}

}  // namespace
}  // namespace rolloutd::testing
