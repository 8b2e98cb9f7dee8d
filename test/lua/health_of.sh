#!/usr/bin/env bash
# health_of.sh < OBJECT.json: runs deploy/argocd/health.lua on one object (JSON, as
# `kubectl get -o json` prints it) the way Argo CD does, and prints "<status>\t<message>". Used by
# test/e2e/test_deploy_gitops_health.sh on the statuses the real controller writes.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
lua_obj=$(mktemp)
trap 'rm -f "$lua_obj"' EXIT
# JSON to a Lua table constructor: Argo CD hands the script the object decoded the same way (maps
# to tables, arrays to 1-based sequences, numbers to numbers, null to nil).
python3 -c '
import json, sys
def text(s):  # a Lua 5.1 string literal: printable ASCII as is, every other byte as \ddd
    return "\"" + "".join(chr(b) if 32 <= b < 127 and b not in (34, 92) else "\\%03d" % b
                          for b in s.encode()) + "\""
def lua(v):
    if v is None: return "nil"
    if isinstance(v, bool): return "true" if v else "false"
    if isinstance(v, (int, float)): return repr(v)
    if isinstance(v, str): return text(v)
    if isinstance(v, list): return "{" + ", ".join(lua(x) for x in v) + "}"
    return "{" + ", ".join("[%s] = %s" % (text(k), lua(x)) for k, x in v.items()) + "}"
print("return " + lua(json.load(sys.stdin)))
' >"$lua_obj"
lua5.1 -e "
  local chunk = assert(loadfile('$root/deploy/argocd/health.lua'))
  setfenv(chunk, {obj = dofile('$lua_obj'), ipairs = ipairs, pairs = pairs, tostring = tostring, type = type})
  local hs = chunk()
  io.write(hs.status, '\t', hs.message, '\n')
"
