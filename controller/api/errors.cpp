#include "api/errors.hpp"

namespace rolloutd::api {

std::string describe(const field_errors& errors, std::size_t limit) {
  std::string out;
  for (std::size_t i = 0; i < errors.size() && i < limit; ++i) {
    if (i > 0) out += "; ";
    out += errors[i].to_string();
  }
  if (errors.size() > limit) out += "; and " + std::to_string(errors.size() - limit) + " more";
  return out;
}

}  // namespace rolloutd::api
