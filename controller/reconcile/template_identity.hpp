#pragma once

// Which of a policy's ReplicaSets runs its current template. The policy's spec.template is stored
// as written (a CRD's template is not defaulted), while a ReplicaSet's copy comes back from the API
// server with defaults filled in (httpGet.path "/", imagePullPolicy, ...) and unknown fields
// dropped, so comparing the two templates cannot tell our own ReplicaSet from a collision. Each
// ReplicaSet rolloutd creates records the hash of the template it was made from
// (rolloutd.io/template-hash); that, the name and the controller owner identify it. Pure; no I/O.
//
// In order of preference, the ReplicaSet of the current template is one the policy controls that
//  1. records the template's hash and has the name the hash gives (the usual case);
//  2. records the template's hash under another name (made before a hash collision moved the
//     name on: `kubectl rp undo` to it after the collision reuses it);
//  3. records no template hash, but has the name and the pod-template-hash label the template
//     gives (made by a rolloutd from before the annotation);
//  4. holds a template semantically equal to spec.template (`kubectl rp undo` copies a
//     ReplicaSet's stored, defaulted template into the policy).
// When none does, the new ReplicaSet is created under <policy>-<hash>; anything already under that
// name (another owner's object, or one of ours recording another template) is a collision, which
// bumps status.collisionCount and so the hash.

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "kube/informer_cache.hpp"
#include "reconcile/strategy_sync.hpp"

namespace rolloutd::reconcile {

struct children_lookup {
  std::vector<kube::object_ptr> owned;  // the ReplicaSets the policy controls
  const nlohmann::json& pod_template;   // spec.template, as stored
  std::string template_hash;            // of spec.template, collisionCount 0 (the annotation's value)
  std::string hash;                     // of spec.template with collisionCount mixed in
  std::string new_name;                 // <policy>-<hash>
  kube::object_ptr under_new_name;      // what the cache holds under new_name, any owner; may be null
};

struct children_found {
  policy_children children;
  // The current template's ReplicaSet's pod-template-hash and name: the found one's, or `hash` and
  // `new_name` when it is to be created.
  std::string hash;
  std::string name;
  bool collision = false;
  std::vector<std::string> ignored;  // why an owned ReplicaSet could not be read
};

[[nodiscard]] children_found sort_children(const children_lookup& in);

}  // namespace rolloutd::reconcile
