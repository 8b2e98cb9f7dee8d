#pragma once

// The revision identity of a pod template: ReplicaSets are named <policy>-<hash> and labelled
// rolloutd.io/pod-template-hash=<hash>, so the hash of a given template must never change across
// rolloutd versions (golden values are pinned in test/unit/template_hash_test.cpp).
//
// The hash is taken over a canonical form in which a template hashes the same whether it is what
// the user wrote or what the API server stored after defaulting it (a ReplicaSet's copy, a
// workloadRef Deployment's template). The canonical form, applied in this order:
//  1. metadata: creationTimestamp and the rolloutd.io/pod-template-hash label are removed.
//  2. Pod spec values equal to the API server's defaults are removed: restartPolicy Always,
//     dnsPolicy ClusterFirst, schedulerName default-scheduler, terminationGracePeriodSeconds 30;
//     serviceAccount (the deprecated alias the server fills in) when equal to serviceAccountName.
//  3. In containers and initContainers: terminationMessagePath /dev/termination-log,
//     terminationMessagePolicy File, imagePullPolicy when it is the default for the image (Always
//     for an untagged or :latest image without a digest, else IfNotPresent), ports[].protocol TCP,
//     probe timeoutSeconds 1, periodSeconds 10, successThreshold 1, failureThreshold 3.
//  4. Anywhere: httpGet.scheme HTTP, fieldRef.apiVersion v1, resourceFieldRef.divisor 0.
//  5. Volumes: defaultMode 420 of configMap, secret, downwardAPI and projected sources,
//     serviceAccountToken.expirationSeconds 3600.
//  6. Quantities (resources limits/requests of containers and the pod, overhead,
//     emptyDir.sizeLimit, resourceFieldRef.divisor) become their exact value ("0.5" == "500m").
//  7. Then everywhere except inside labels, annotations, nodeSelector, matchLabels and
//     volumeAttributes (string maps, where "" is a value): null, "", [] and {} are removed, as Go's
//     omitempty drops them (so a bare volume equals one with emptyDir: {}); false is removed from
//     the booleans whose unset value is false (hostNetwork, hostPID, hostIPC, stdin, stdinOnce, tty,
//     readOnly, optional, shareProcessNamespace, setHostnameAsFQDN); integral floats become integers.
// The canonical JSON (keys sorted, no spaces) is hashed with 64-bit FNV-1a; a non-zero
// collisionCount is mixed in as 4 little-endian bytes; the result is written as 10 characters of
// Kubernetes' SafeEncodeString alphabet (no vowels, no 0/1/3, so never a word and never all digits).

#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

namespace rolloutd::api {

[[nodiscard]] nlohmann::json canonical_template(const nlohmann::json& pod_template);

// Never throws, whatever the JSON holds.
[[nodiscard]] std::string template_hash(const nlohmann::json& pod_template, std::int32_t collision_count = 0);

// Semantic equality of two templates: equal canonical forms.
[[nodiscard]] bool templates_equal(const nlohmann::json& a, const nlohmann::json& b);

}  // namespace rolloutd::api
