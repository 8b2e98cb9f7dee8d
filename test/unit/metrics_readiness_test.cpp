#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "metrics/health.hpp"

namespace rolloutd {
namespace {

TEST(MetricsReadiness, CachesDecideUnlessAStandbyWaitsItsTurn) {
  struct row {
    readiness_state state;
    bool ready;
    std::string reason_has;
  };
  const std::vector<row> rows = {
      // A single instance: ready once its caches are synced.
      {{.synced = true}, true, ""},
      {{.synced = false, .not_synced_reason = "informers not synced: services "}, false, "services"},
      {{.synced = false}, false, "not synced"},
      // The leader: the same.
      {{.leader_election = true, .leading = true, .synced = true}, true, ""},
      {{.leader_election = true, .leading = true, .leader_seen = true, .synced = false}, false, "not synced"},
      // A standby: its caches never start; ready once it has read the Lease and seen a leader.
      {{.leader_election = true, .leader_seen = true}, true, ""},
      {{.leader_election = true}, false, "Lease"},
  };
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const auto got = readiness(rows[i].state);
    EXPECT_EQ(got.ok, rows[i].ready) << "row " << i;
    if (rows[i].ready) {
      EXPECT_TRUE(got.reason.empty()) << "row " << i;
    } else {
      EXPECT_NE(got.reason.find(rows[i].reason_has), std::string::npos) << "row " << i << ": " << got.reason;
    }
  }
}

}  // namespace
}  // namespace rolloutd
