#pragma once

// Kubernetes resource quantities ("500m", "0.5", "1Gi", "1e3"). The API server rewrites them in its
// canonical form ("0.5" comes back as "500m", "1024Mi" as "1Gi"), so comparing a template with
// the copy a ReplicaSet stores needs the value, not the text.

#include <optional>
#include <string>
#include <string_view>

namespace rolloutd::api {

// The exact value in units of 10^-9 as decimal digits ("500m" -> "500000000"), rounded away from
// zero below one nano-unit as Kubernetes rounds; nullopt for text that is not a quantity or whose
// value is too large to represent (then callers keep the text).
[[nodiscard]] std::optional<std::string> quantity_nanos(std::string_view text);

}  // namespace rolloutd::api
