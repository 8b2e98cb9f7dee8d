#!/usr/bin/env bash
# Step 1 of test_rbac_least_privilege.sh, as a test of its own so that CTest runs it beside steps
# 2-4: every full end-to-end scenario passes with rolloutd in-cluster and exactly the rights of
# deploy/.
ROLLOUTD_RBAC_PART=full exec "$(dirname "$0")/test_rbac_least_privilege.sh" "$@"
