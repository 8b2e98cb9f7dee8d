#include "kube/list_watch_fsm.hpp"

#include <gtest/gtest.h>

#include <stdexcept>
#include <string>
#include <vector>

namespace rolloutd::kube {
namespace {

using json = nlohmann::json;

// ---- inputs, short enough for a table ----

json object(std::string_view name, std::string_view rv) {
  return json{{"metadata", {{"name", name}, {"namespace", "ns"}, {"resourceVersion", rv}}}};
}

list_watch_input page(std::string_view rv, std::string_view continue_token, std::vector<std::string> names) {
  json items = json::array();
  for (const auto& name : names) items.push_back(object(name, "1"));
  json metadata{{"resourceVersion", rv}};
  if (!continue_token.empty()) metadata["continue"] = continue_token;
  return list_page_received{
      {{"kind", "ConfigMapList"}, {"apiVersion", "v1"}, {"metadata", metadata}, {"items", items}}};
}

list_watch_input event(watch_event_type type, std::string_view name, std::string_view rv) {
  return watch_event_received{{type, object(name, rv), {}}};
}

list_watch_input bookmark(std::string_view rv) {
  return watch_event_received{{watch_event_type::bookmark, {{"metadata", {{"resourceVersion", rv}}}}, {}}};
}

list_watch_input error_event(int code, std::string reason) {
  return watch_event_received{
      {watch_event_type::error, json::object(), api_error{code, std::move(reason), "m"}}};
}

list_watch_input list_error(int code) {
  return list_failed{api_error{code, code == 410 ? "Expired" : "", "m"}};
}
list_watch_input ended_ok() {
  return watch_ended{status(void_value{})};
}
list_watch_input ended_error(int code) {
  return watch_ended{status(api_error{code, code == 410 ? "Gone" : "", "m"})};
}

const auto added = watch_event_type::added;
const auto modified = watch_event_type::modified;
const auto deleted = watch_event_type::deleted;

// ---- actions, rendered as one line so a table can say what it expects ----

std::string describe(const list_watch_output& output) {
  auto name_at = [](const json& o) {
    return o["metadata"].value("name", std::string{}) + "@" +
           o["metadata"].value("resourceVersion", std::string{});
  };
  if (const auto* a = std::get_if<list_action>(&output)) {
    std::string s = "list";
    if (a->options.limit) s += " limit=" + std::to_string(*a->options.limit);
    if (!a->options.continue_token.empty()) s += " continue=" + a->options.continue_token;
    if (!a->options.resource_version.empty()) s += " rv=" + a->options.resource_version;
    if (!a->options.label_selector.empty()) s += " labels=" + a->options.label_selector;
    return s;
  }
  if (const auto* a = std::get_if<replace_all_action>(&output)) {
    std::string s = "replace_all rv=" + a->resource_version + " items=";
    for (std::size_t i = 0; i < a->items.size(); ++i)
      s += (i ? "," : "") + a->items[i]["metadata"]["name"].get<std::string>();
    return s + (a->first_sync ? " first" : "");
  }
  if (const auto* a = std::get_if<watch_action>(&output)) {
    std::string s = "watch rv=" + a->options.resource_version;
    if (a->options.timeout_seconds) s += " timeout=" + std::to_string(*a->options.timeout_seconds);
    if (a->options.allow_watch_bookmarks) s += " bookmarks";
    if (!a->options.label_selector.empty()) s += " labels=" + a->options.label_selector;
    return s;
  }
  if (const auto* a = std::get_if<wait_action>(&output))
    return "wait " + std::to_string(a->delay.count()) + "ms";
  if (const auto* a = std::get_if<upsert_action>(&output)) return "upsert " + name_at(a->object);
  if (const auto* a = std::get_if<remove_action>(&output)) return "remove " + name_at(a->object);
  if (std::holds_alternative<keep_reading>(output)) return "keep_reading";
  return "close_watch";
}

struct step {
  list_watch_input input;
  std::string expect;
};

list_watch_config test_config() {
  list_watch_config config;
  config.page_size = 2;
  config.min_watch_timeout = std::chrono::seconds(300);
  config.backoff = {std::chrono::milliseconds(500), std::chrono::milliseconds(4000), 2.0, 0.5};
  return config;
}

// Runs the steps in order, checking each answer; returns the machine for further checks.
list_watch_fsm run(const std::vector<step>& steps, list_watch_config config = test_config()) {
  list_watch_fsm fsm(std::move(config), [] { return 0.0; });
  for (std::size_t i = 0; i < steps.size(); ++i) {
    EXPECT_EQ(describe(fsm.resume(steps[i].input)), steps[i].expect) << "step " << i;
  }
  return fsm;
}

// The opening every scenario below shares: two pages, then a watch from the list's version.
std::vector<step> synced_and_watching() {
  return {
      {started{}, "list limit=2"},
      {page("9", "c1", {"a", "b"}), "list limit=2 continue=c1"},
      {page("10", "", {"c"}), "replace_all rv=10 items=a,b,c first"},
      {replace_applied{}, "watch rv=10 timeout=300 bookmarks"},
      {watch_opened{}, "keep_reading"},
  };
}

std::vector<step> operator+(std::vector<step> a, const std::vector<step>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

TEST(ListWatchFsm, InitialPaginatedListSyncsAfterTheLastPageThenWatchesFromItsVersion) {
  list_watch_fsm fsm(test_config(), [] { return 0.0; });
  EXPECT_EQ(describe(fsm.resume(started{})), "list limit=2");
  EXPECT_EQ(describe(fsm.resume(page("9", "c1", {"a", "b"}))), "list limit=2 continue=c1");
  EXPECT_FALSE(fsm.synced());
  EXPECT_EQ(fsm.resource_version(), "");  // a middle page's version is not a place to watch from
  EXPECT_EQ(describe(fsm.resume(page("10", "", {"c"}))), "replace_all rv=10 items=a,b,c first");
  EXPECT_TRUE(fsm.synced());
  EXPECT_EQ(fsm.resource_version(), "10");
  EXPECT_EQ(describe(fsm.resume(replace_applied{})), "watch rv=10 timeout=300 bookmarks");
  EXPECT_EQ(fsm.relists(), 0u);
  EXPECT_EQ(fsm.watch_restarts(), 0u);
}

TEST(ListWatchFsm, Transitions) {
  struct scenario {
    const char* name;
    std::vector<step> steps;
    std::string final_rv;
    std::uint64_t relists;
    std::uint64_t watch_restarts;
  };
  const std::vector<scenario> scenarios = {
      {"events are applied and advance the version",
       synced_and_watching() +
           std::vector<step>{
               {event(added, "d", "11"), "upsert d@11"},
               {event(modified, "a", "12"), "upsert a@12"},
               {event(deleted, "b", "13"), "remove b@13"},
           },
       "13", 0, 0},
      {"a bookmark advances the version and a clean end resumes from it without a list",
       synced_and_watching() +
           std::vector<step>{
               {event(added, "d", "11"), "upsert d@11"},
               {bookmark("15"), "keep_reading"},
               {ended_ok(), "watch rv=15 timeout=300 bookmarks"},
               {watch_opened{}, "keep_reading"},
           },
       "15", 0, 1},
      {"a network failure backs off, then resumes from the last version",
       synced_and_watching() +
           std::vector<step>{
               {event(added, "d", "11"), "upsert d@11"},
               {ended_error(0), "wait 500ms"},
               {timer_fired{}, "watch rv=11 timeout=300 bookmarks"},
               {ended_error(503), "wait 1000ms"},
               {timer_fired{}, "watch rv=11 timeout=300 bookmarks"},
           },
       "11", 0, 2},
      {"a clean end before anything arrived waits instead of spinning",
       synced_and_watching() +
           std::vector<step>{
               {ended_ok(), "watch rv=10 timeout=300 bookmarks"},
               {ended_ok(), "wait 500ms"},
               {timer_fired{}, "watch rv=10 timeout=300 bookmarks"},
           },
       "10", 0, 2},
      {"410 on the watch request re-lists",
       synced_and_watching() +
           std::vector<step>{
               {ended_ok(), "watch rv=10 timeout=300 bookmarks"},
               {ended_error(410), "list limit=2"},
               {page("20", "", {"a"}), "replace_all rv=20 items=a"},
               {replace_applied{}, "watch rv=20 timeout=300 bookmarks"},
           },
       "20", 1, 1},
      {"410 ERROR event closes the stream, ignores what follows, and re-lists",
       synced_and_watching() +
           std::vector<step>{
               {error_event(410, "Expired"), "close_watch"},
               {event(added, "late", "99"), "close_watch"},
               {bookmark("100"), "close_watch"},
               {ended_ok(), "list limit=2"},
               {page("30", "", {}), "replace_all rv=30 items="},
           },
       "30", 1, 0},
      {"another ERROR event closes the stream and resumes after a pause",
       synced_and_watching() +
           std::vector<step>{
               {error_event(500, "InternalError"), "close_watch"},
               {ended_ok(), "wait 500ms"},
               {timer_fired{}, "watch rv=10 timeout=300 bookmarks"},
           },
       "10", 0, 1},
      {"an undecodable line closes the stream and resumes after a pause",
       synced_and_watching() +
           std::vector<step>{
               {event(added, "d", "11"), "upsert d@11"},
               {watch_stream_broken{{watch_stream_error_kind::malformed_json, "x"}}, "close_watch"},
               {ended_error(0), "wait 500ms"},
               {timer_fired{}, "watch rv=11 timeout=300 bookmarks"},
           },
       "11", 0, 1},
      {"410 on a continue restarts the list and drops the pages read so far",
       {
           {started{}, "list limit=2"},
           {page("9", "c1", {"a", "b"}), "list limit=2 continue=c1"},
           {list_error(410), "list limit=2"},
           {page("9", "c2", {"x", "y"}), "list limit=2 continue=c2"},
           {page("40", "", {"z"}), "replace_all rv=40 items=x,y,z first"},
       },
       "40",
       1,
       0},
      {"a failed page is retried with the same continue token after a pause",
       {
           {started{}, "list limit=2"},
           {page("9", "c1", {"a", "b"}), "list limit=2 continue=c1"},
           {list_error(0), "wait 500ms"},
           {timer_fired{}, "list limit=2 continue=c1"},
           {list_error(500), "wait 1000ms"},
           {timer_fired{}, "list limit=2 continue=c1"},
           {page("50", "", {"c"}), "replace_all rv=50 items=a,b,c first"},
       },
       "50",
       0,
       0},
      {"a failed first list retries after a pause and is not a re-list",
       {
           {started{}, "list limit=2"},
           {list_error(403), "wait 500ms"},
           {timer_fired{}, "list limit=2"},
           {list_error(410), "wait 1000ms"},  // 410 without a continue token: nothing to restart
           {timer_fired{}, "list limit=2"},
           {page("60", "", {}), "replace_all rv=60 items= first"},
       },
       "60",
       0,
       0},
      {"a malformed list response is a failed list",
       {
           {started{}, "list limit=2"},
           {list_page_received{json::array()}, "wait 500ms"},
           {timer_fired{}, "list limit=2"},
           {list_page_received{{{"items", json::array()}}}, "wait 1000ms"},  // no resourceVersion
           {timer_fired{}, "list limit=2"},
           {list_page_received{{{"metadata", {{"resourceVersion", "7"}}}, {"items", "x"}}}, "wait 2000ms"},
           {timer_fired{}, "list limit=2"},
           {list_page_received{{{"metadata", {{"resourceVersion", "7"}}}, {"items", nullptr}}},
            "replace_all rv=7 items= first"},
       },
       "7",
       0,
       0},
  };
  for (const auto& s : scenarios) {
    SCOPED_TRACE(s.name);
    auto fsm = run(s.steps);
    EXPECT_EQ(fsm.resource_version(), s.final_rv);
    EXPECT_EQ(fsm.relists(), s.relists);
    EXPECT_EQ(fsm.watch_restarts(), s.watch_restarts);
    EXPECT_TRUE(fsm.synced());
  }
}

TEST(ListWatchFsm, BackoffGrowsToTheCapAndResetsAfterSuccess) {
  auto fsm = run(synced_and_watching() + std::vector<step>{
                                             {ended_error(0), "wait 500ms"},
                                             {timer_fired{}, "watch rv=10 timeout=300 bookmarks"},
                                             {ended_error(0), "wait 1000ms"},
                                             {timer_fired{}, "watch rv=10 timeout=300 bookmarks"},
                                             {ended_error(0), "wait 2000ms"},
                                             {timer_fired{}, "watch rv=10 timeout=300 bookmarks"},
                                             {ended_error(0), "wait 4000ms"},
                                             {timer_fired{}, "watch rv=10 timeout=300 bookmarks"},
                                             {ended_error(0), "wait 4000ms"},  // capped
                                             {timer_fired{}, "watch rv=10 timeout=300 bookmarks"},
                                             {watch_opened{}, "keep_reading"},  // success resets
                                             {ended_error(0), "wait 500ms"},
                                             {timer_fired{}, "watch rv=10 timeout=300 bookmarks"},
                                             {event(added, "d", "11"), "upsert d@11"},  // so does an event
                                             {ended_error(0), "wait 500ms"},
                                             // a good list page resets it too
                                             {timer_fired{}, "watch rv=11 timeout=300 bookmarks"},
                                             {ended_error(410), "list limit=2"},
                                             {list_error(0), "wait 1000ms"},
                                             {timer_fired{}, "list limit=2"},
                                             {list_error(0), "wait 2000ms"},
                                             {timer_fired{}, "list limit=2"},
                                             {page("12", "c", {}), "list limit=2 continue=c"},
                                             {list_error(0), "wait 500ms"},
                                         });
  EXPECT_EQ(fsm.current_state(), list_watch_fsm::state::waiting);
}

TEST(ListWatchFsm, JitterAndWatchTimeoutUseTheInjectedRandomness) {
  struct row {
    double random;
    const char* first_wait;
    const char* watch;
  };
  const row rows[] = {
      {0.0, "wait 500ms", "watch rv=10 timeout=300 bookmarks"},
      {0.5, "wait 375ms", "watch rv=10 timeout=450 bookmarks"},
      {0.999, "wait 250ms", "watch rv=10 timeout=599 bookmarks"},
  };
  for (const auto& r : rows) {
    list_watch_fsm fsm(test_config(), [&] { return r.random; });
    (void)fsm.resume(started{});
    (void)fsm.resume(page("10", "", {}));
    EXPECT_EQ(describe(fsm.resume(replace_applied{})), r.watch) << r.random;
    EXPECT_EQ(describe(fsm.resume(ended_error(0))), r.first_wait) << r.random;
  }
}

TEST(ListWatchFsm, SelectorsGoOnListsAndWatches) {
  auto config = test_config();
  config.label_selector = "app=web";
  run({{started{}, "list limit=2 labels=app=web"},
       {page("3", "", {}), "replace_all rv=3 items= first"},
       {replace_applied{}, "watch rv=3 timeout=300 bookmarks labels=app=web"}},
      config);
}

TEST(ListWatchFsm, ListItemsGetTheKindTheListLeftOut) {
  list_watch_fsm fsm(test_config(), [] { return 0.0; });
  (void)fsm.resume(started{});
  auto out = fsm.resume(page("10", "", {"a"}));
  const auto& items = std::get<replace_all_action>(out).items;
  ASSERT_EQ(items.size(), 1u);
  EXPECT_EQ(items[0]["kind"], "ConfigMap");
  EXPECT_EQ(items[0]["apiVersion"], "v1");
}

TEST(ListWatchFsm, AnInputTheStateDoesNotExpectIsABug) {
  struct row {
    std::vector<list_watch_input> before;
    list_watch_input input;
  };
  const std::vector<row> rows = {
      {{}, timer_fired{}},
      {{}, replace_applied{}},
      {{started{}}, started{}},
      {{started{}}, watch_opened{}},
      {{started{}}, ended_ok()},
      {{started{}, page("1", "", {})}, page("1", "", {})},
      {{started{}, page("1", "", {}), replace_applied{}}, list_error(0)},
      {{started{}, page("1", "", {}), replace_applied{}}, timer_fired{}},
  };
  for (std::size_t i = 0; i < rows.size(); ++i) {
    list_watch_fsm fsm(test_config(), [] { return 0.0; });
    for (const auto& input : rows[i].before) (void)fsm.resume(input);
    EXPECT_THROW((void)fsm.resume(rows[i].input), std::logic_error) << "row " << i;
  }
}

}  // namespace
}  // namespace rolloutd::kube
