#!/usr/bin/env bash
# Both binaries answer --version with the project version and --help with usage, and refuse
# unknown flags with exit code 2.
set -euo pipefail
rolloutd=$1 plugin=$2
fail() { echo "FAIL: $*" >&2; exit 1; }

[[ "$("$rolloutd" --version)" =~ ^rolloutd\ [0-9]+\.[0-9]+\.[0-9]+$ ]] || fail "rolloutd --version"
"$rolloutd" --help | grep -q -- '--version' || fail "rolloutd --help lists no --version"
[[ "$("$plugin" version)" =~ ^kubectl-rp\ [0-9]+\.[0-9]+\.[0-9]+$ ]] || fail "kubectl-rp version"
"$plugin" --help | grep -q 'Usage: kubectl rp' || fail "kubectl-rp --help"

set +e
"$rolloutd" --no-such-flag 2>/dev/null; rc=$?
set -e
((rc == 2)) || fail "rolloutd accepted an unknown flag (exit $rc)"
echo "binaries answer --version and --help"
