#pragma once

// Shared by the api layer's tests: fixtures under test/data/api.

#include <fstream>
#include <sstream>
#include <string>

#include <nlohmann/json.hpp>

namespace rolloutd::api::testing {

inline nlohmann::json load_json(const std::string& name) {
  std::ifstream in(std::string(ROLLOUTD_TEST_DATA) + "/api/" + name);
  std::stringstream text;
  text << in.rdbuf();
  // A missing or broken fixture must fail the test, not pass as an empty object.
  return nlohmann::json::parse(text.str(), nullptr, false);
}

// The smallest policy the API accepts, everything else defaulted.
inline nlohmann::json minimal_policy() {
  return nlohmann::json::parse(R"({
    "metadata": {"name": "hello", "namespace": "shop"},
    "spec": {
      "selector": {"matchLabels": {"app": "hello"}},
      "template": {
        "metadata": {"labels": {"app": "hello"}},
        "spec": {"containers": [{"name": "hello", "image": "kelseyhightower/hello:1.0.0"}]}
      }
    }
  })");
}

}  // namespace rolloutd::api::testing
