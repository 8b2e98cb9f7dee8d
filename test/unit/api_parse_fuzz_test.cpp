// Malformed input never crashes the controller: every value of valid policies replaced by values
// of every other type, every key removed, random documents, corrupted text. Run under ASan/UBSan.

#include <gtest/gtest.h>

#include <random>
#include <regex>

#include "api/parse.hpp"
#include "api/template_hash.hpp"
#include "api/validate.hpp"
#include "api_test_support.hpp"

namespace rolloutd::api {
namespace {

using json = nlohmann::json;
using testing::load_json;
using testing::minimal_policy;

std::vector<json> fixtures() {
  return {minimal_policy(), load_json("policy_rolling.json"), load_json("policy_canary.json"),
          load_json("policy_blue_green.json")};
}

const std::vector<json>& replacements() {
  static const std::vector<json> values{json(nullptr),
                                        json(true),
                                        json(false),
                                        json(0),
                                        json(-1),
                                        json(7),
                                        json(1.5),
                                        json(1e300),
                                        json(18446744073709551615ULL),
                                        json(""),
                                        json("x"),
                                        json("25%"),
                                        json("1m"),
                                        json("2026-01-01T00:00:00Z"),
                                        json::array(),
                                        json::parse(R"([1, "a", null])"),
                                        json::object(),
                                        json::parse(R"({"a": {"b": [null]}})")};
  return values;
}

void collect_pointers(const json& j, const json::json_pointer& at, std::vector<json::json_pointer>& out) {
  out.push_back(at);
  if (j.is_object()) {
    for (const auto& [key, value] : j.items()) collect_pointers(value, at / key, out);
  } else if (j.is_array()) {
    for (std::size_t i = 0; i < j.size(); ++i) collect_pointers(j[i], at / i, out);
  }
}

// "/spec/strategy/canary/steps/2/pause" -> "spec.strategy.canary.steps[2].pause"
std::string field_path(const json::json_pointer& p) {
  std::string out;
  const std::string rest = p.to_string();
  static const std::regex token("/([^/]*)");
  for (auto it = std::sregex_iterator(rest.begin(), rest.end(), token); it != std::sregex_iterator(); ++it) {
    const std::string t = (*it)[1];
    if (!t.empty() && std::all_of(t.begin(), t.end(), [](char c) { return c >= '0' && c <= '9'; })) {
      out += "[" + t + "]";
    } else {
      out += (out.empty() ? "" : ".") + t;
    }
  }
  return out;
}

enum class kind { null, boolean, number, string, array, object };
kind kind_of(const json& j) {
  if (j.is_null()) return kind::null;
  if (j.is_boolean()) return kind::boolean;
  if (j.is_number()) return kind::number;
  if (j.is_string()) return kind::string;
  if (j.is_array()) return kind::array;
  return kind::object;
}

// Fields the parser reads and types strictly: a value of another type there must be an error at
// exactly that path. (Opaque parts, int-or-string fields and the pod spec the API server judges
// are left out.)
bool strictly_typed(const std::string& pointer) {
  static const std::regex strict(
      "^/metadata(/(name|namespace|uid|resourceVersion|generation|deletionTimestamp|labels(/[^/]+)?|"
      "annotations(/[^/]+)?))?$|"
      "^/spec(/(replicas|minReadySeconds|revisionHistoryLimit|progressDeadlineSeconds|progressDeadlineAbort|"
      "paused|restartAt))?$|"
      "^/spec/selector(/matchLabels(/[^/]+)?|/matchExpressions(/[0-9]+(/(key|operator|values(/"
      "[0-9]+)?))?)?)?$|"
      "^/spec/template(/metadata(/(labels|annotations)(/[^/]+)?)?|"
      "/spec(/(containers|initContainers)(/[0-9]+(/(name|image))?)?)?)?$|"
      "^/spec/strategy(/(rollingUpdate|canary|blueGreen))?$|"
      "^/spec/strategy/canary/(steps(/[0-9]+(/(setWeight|pause|setCanaryScale(/[a-zA-Z]+)?))?)?|service|"
      "stableService|canaryService|scaleDownDelaySeconds|abortScaleDownDelaySeconds|sessionAffinity(/"
      "[a-zA-Z]+)?)$|"
      "^/spec/strategy/blueGreen/[a-zA-Z]+(/[a-zA-Z]+)?$");
  return std::regex_match(pointer, strict);
}

// Whatever the object holds: parse, and use what parsed the way the reconciler would.
checked<rollout_policy> exercise(const json& object) {
  auto parsed = parse_rollout_policy(object);
  (void)parse_object_meta(object);
  if (parsed.ok()) {
    (void)validate(*parsed);
    if (parsed->spec.template_spec) {
      (void)template_hash(parsed->spec.template_spec->raw);
      (void)validate_template(*parsed->spec.template_spec, parsed->spec.selector, "spec.template");
    }
    (void)merge_patch(object.is_object() && object.contains("status") ? object["status"] : json(),
                      parsed->status);
  } else {
    EXPECT_FALSE(parsed.errors().empty());
    for (const auto& e : parsed.errors()) {
      EXPECT_FALSE(e.message.empty());
      EXPECT_TRUE(e.path.empty() || e.path.starts_with("metadata") || e.path.starts_with("spec")) << e.path;
    }
  }
  // The hash takes any JSON: the reconciler also hashes templates read from ReplicaSets.
  (void)template_hash(object);
  return parsed;
}

TEST(ApiParseFuzz, EveryValueOfEveryTypeEverywhere) {
  std::size_t mutations = 0;
  std::size_t strict_checks = 0;
  for (const auto& fixture : fixtures()) {
    std::vector<json::json_pointer> pointers;
    collect_pointers(fixture, json::json_pointer(), pointers);
    for (const auto& p : pointers) {
      const json& original = fixture[p];
      const std::string pointer = p.to_string();
      const bool strict = strictly_typed(pointer);
      const std::string path = field_path(p);
      for (const auto& value : replacements()) {
        json mutated = fixture;
        mutated[p] = value;
        ++mutations;
        std::optional<checked<rollout_policy>> parsed;
        ASSERT_NO_THROW(parsed.emplace(exercise(mutated))) << pointer << " = " << value.dump();
        if (kind_of(value) == kind_of(original) || value.is_null()) continue;
        if (strict) {
          ++strict_checks;
          const auto& errors = parsed->errors();
          const bool reported =
              std::any_of(errors.begin(), errors.end(), [&](const field_error& e) { return e.path == path; });
          EXPECT_TRUE(reported) << pointer << " = " << value.dump() << " gave: " << describe(errors, 20);
        } else if (pointer.starts_with("/status/")) {
          // The controller owns status: a bad value there is repaired, never a reason to stop.
          EXPECT_TRUE(parsed->ok()) << pointer << " = " << value.dump() << ": " << describe(parsed->errors());
          EXPECT_FALSE(parsed->warnings().empty()) << pointer << " = " << value.dump();
        }
      }
      if (!p.empty()) {
        json removed = fixture;
        auto& parent = removed[p.parent_pointer()];
        if (parent.is_object()) {
          parent.erase(p.back());
        } else {
          parent.erase(std::stoul(p.back()));
        }
        ASSERT_NO_THROW((void)exercise(removed)) << "removed " << pointer;
      }
    }
  }
  EXPECT_GT(mutations, 2000u);
  EXPECT_GT(strict_checks, 1000u);
}

json random_value(std::mt19937& rng, int depth) {
  static const std::vector<std::string> keys{
      "metadata",         "name",           "namespace",      "spec",
      "replicas",         "selector",       "matchLabels",    "template",
      "containers",       "image",          "labels",         "strategy",
      "canary",           "steps",          "setWeight",      "pause",
      "duration",         "setCanaryScale", "blueGreen",      "activeService",
      "rollingUpdate",    "maxSurge",       "maxUnavailable", "status",
      "conditions",       "operation",      "type",           "workloadRef",
      "matchExpressions", "operator",       "values",         "sessionAffinity",
      "timeoutSeconds",   "restartAt",      "analysis"};
  std::uniform_int_distribution<int> pick(0, depth > 4 ? 5 : 8);
  switch (pick(rng)) {
    case 0:
      return nullptr;
    case 1:
      return std::uniform_int_distribution<int>(0, 1)(rng) == 1;
    case 2:
      return std::uniform_int_distribution<std::int64_t>(-5, 200)(rng);
    case 3:
      return std::uniform_real_distribution<double>(-1e10, 1e10)(rng);
    case 4:
      return keys[std::uniform_int_distribution<std::size_t>(0, keys.size() - 1)(rng)];
    case 5:
      return std::vector<std::string>{"25%", "30s", "-1m", "In", "ClientIP", "2026-01-01T00:00:00Z",
                                      "",    "\x01"}[std::uniform_int_distribution<std::size_t>(0, 7)(rng)];
    case 6: {
      json a = json::array();
      for (int i = std::uniform_int_distribution<int>(0, 3)(rng); i > 0; --i)
        a.push_back(random_value(rng, depth + 1));
      return a;
    }
    default: {
      json o = json::object();
      for (int i = std::uniform_int_distribution<int>(0, 5)(rng); i > 0; --i) {
        o[keys[std::uniform_int_distribution<std::size_t>(0, keys.size() - 1)(rng)]] =
            random_value(rng, depth + 1);
      }
      return o;
    }
  }
}

TEST(ApiParseFuzz, RandomDocuments) {
  std::mt19937 rng(20260131);
  for (int i = 0; i < 1000; ++i) {
    json object = random_value(rng, 0);
    ASSERT_NO_THROW((void)exercise(object)) << object.dump();
    // Random specs inside a valid frame reach deeper.
    json framed = minimal_policy();
    framed["spec"][std::vector<std::string>{"strategy", "selector", "template", "replicas"}[i % 4]] =
        random_value(rng, 1);
    ASSERT_NO_THROW((void)exercise(framed)) << framed.dump();
  }
}

TEST(ApiParseFuzz, CorruptedText) {
  std::mt19937 rng(7);
  const std::string text = load_json("policy_canary.json").dump();
  std::size_t parsed_documents = 0;
  for (int i = 0; i < 1500; ++i) {
    std::string corrupted = text;
    for (int n = std::uniform_int_distribution<int>(1, 4)(rng); n > 0; --n) {
      const auto at = std::uniform_int_distribution<std::size_t>(0, corrupted.size() - 1)(rng);
      corrupted[at] = static_cast<char>(std::uniform_int_distribution<int>(0, 255)(rng));
    }
    const json object = json::parse(corrupted, nullptr, false);
    if (object.is_discarded()) continue;
    ++parsed_documents;
    ASSERT_NO_THROW((void)exercise(object)) << corrupted;
  }
  EXPECT_GT(parsed_documents, 50u);
}

}  // namespace
}  // namespace rolloutd::api
