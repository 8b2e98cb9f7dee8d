-- Runs deploy/argocd/health.lua (the Argo CD health check for RolloutPolicy) the way Argo CD does,
-- with the live object as the global `obj`, against the statuses rolloutd writes, and checks the
-- copy embedded in deploy/argocd/argocd-cm.yaml is the same script. Lua 5.1, like Argo CD's
-- gopher-lua. Usage: lua5.1 test/lua/argocd_health_test.lua [REPO_ROOT]
local root = arg[1] or (arg[0]:match("^(.*)/test/lua/[^/]*$") or ".")
local script = root .. "/deploy/argocd/health.lua"

local function read(path)
  local f = assert(io.open(path, "r"))
  local text = f:read("*a")
  f:close()
  return text
end

local function health(obj)
  local chunk = assert(loadfile(script))
  -- Only what Argo CD's sandbox offers a health script, plus the object.
  setfenv(chunk, {obj = obj, ipairs = ipairs, pairs = pairs, tostring = tostring, type = type})
  return chunk()
end

local function condition(type, status, reason, message)
  return {type = type, status = status, reason = reason, message = message or "",
          lastTransitionTime = "2025-05-20T10:00:00Z", lastUpdateTime = "2025-05-20T10:00:00Z",
          observedGeneration = 3}
end

-- A policy at generation 3 with the given status (and spec fields).
local function policy(status, spec)
  local s = {replicas = 3, selector = {matchLabels = {app = "hello"}}}
  for k, v in pairs(spec or {}) do
    s[k] = v
  end
  return {apiVersion = "rolloutd.io/v1alpha1", kind = "RolloutPolicy",
          metadata = {name = "hello", namespace = "default", generation = 3}, spec = s, status = status}
end

local function counts(s, replicas, updated, available)
  s.observedGeneration = s.observedGeneration or 3
  s.replicas, s.updatedReplicas, s.readyReplicas, s.availableReplicas = replicas, updated, available, available
  s.currentRevision, s.currentPodHash, s.selector = 2, "5d8f7c9b6", "app=hello"
  return s
end

local cases = {
  {"no status yet", policy(nil), "Progressing", "Waiting for rolloutd"},
  {"healthy", policy(counts({phase = "Healthy", message = "", conditions = {
      condition("Available", "True", "MinimumReplicasAvailable"),
      condition("Progressing", "True", "NewReplicaSetAvailable"),
      condition("Ready", "True", "Healthy", "the rollout is complete and every replica is available")}}, 3, 3, 3)),
    "Healthy", "Rollout is complete"},
  {"progressing", policy(counts({phase = "Progressing", message = "updated 1 of 3, available 3", conditions = {
      condition("Available", "True", "MinimumReplicasAvailable"),
      condition("Progressing", "True", "ReplicaSetUpdated"),
      condition("Ready", "False", "Progressing", "updated 1 of 3, available 3")}}, 4, 1, 3)),
    "Progressing", "updated 1 of 3"},
  {"paused by spec.paused", policy(counts({phase = "Paused", message = "paused", conditions = {
      condition("Paused", "True", "RolloutPaused", "spec.paused is true"),
      condition("Ready", "False", "Paused", "paused")}}, 4, 1, 3), {paused = true}),
    "Suspended", "paused"},
  {"paused at a canary step", policy(counts({phase = "Paused", message = "paused at step 1", currentStepIndex = 1,
      canaryWeight = 33, pauseConditions = {{reason = "CanaryPauseStep", startTime = "2025-05-20T10:00:00Z"}},
      conditions = {condition("Ready", "False", "Paused", "paused at step 1")}}, 3, 1, 3)),
    "Suspended", "paused at step 1"},
  {"blue/green waiting for promotion", policy(counts({phase = "Progressing", message = "",
      pauseConditions = {{reason = "BlueGreenPause", startTime = "2025-05-20T10:00:00Z"}}}, 6, 3, 6)),
    "Suspended", "Rollout is paused"},
  {"degraded: progress deadline exceeded", policy(counts({phase = "Degraded",
      message = "ReplicaSet \"hello-5d8f7c9b6\" has timed out progressing.", conditions = {
      condition("Available", "True", "MinimumReplicasAvailable"),
      condition("Progressing", "False", "ProgressDeadlineExceeded", "ReplicaSet \"hello-5d8f7c9b6\" has timed out progressing."),
      condition("Ready", "False", "Degraded", "")}}, 4, 1, 3)),
    "Degraded", "timed out progressing"},
  {"aborted", policy(counts({phase = "Degraded", abort = true, message = "rollout aborted: by kubectl-rp",
      conditions = {condition("Progressing", "False", "RolloutAborted", "aborted")}}, 3, 0, 3)),
    "Degraded", "rollout aborted"},
  {"invalid spec", policy(counts({phase = "Degraded", message = "spec.workloadRef is not supported", conditions = {
      condition("InvalidSpec", "True", "InvalidSpec", "spec.workloadRef is not supported"),
      condition("Ready", "False", "Degraded", "spec.workloadRef is not supported")}}, 0, 0, 0)),
    "Degraded", "InvalidSpec: spec.workloadRef"},
  {"stale generation: a Healthy status for an older spec", policy(counts({observedGeneration = 2,
      phase = "Healthy", conditions = {condition("Ready", "True", "Healthy")}}, 3, 3, 3)),
    "Progressing", "observe generation 3"},
  {"stale generation hides an old Degraded", policy(counts({observedGeneration = 2, phase = "Degraded", abort = true},
      3, 0, 3)),
    "Progressing", "observe generation 3"},
  {"Healthy phase but Ready False (mid-write)", policy(counts({phase = "Healthy",
      conditions = {condition("Ready", "False", "Progressing", "")}}, 3, 3, 3)),
    "Progressing", "Rollout is progressing"},
}

local failures = 0
for _, c in ipairs(cases) do
  local name, obj, want_status, want_message = c[1], c[2], c[3], c[4]
  local ok, hs = pcall(health, obj)
  if not ok then
    failures = failures + 1
    print("FAIL " .. name .. ": the script raised " .. tostring(hs))
  elseif hs.status ~= want_status or type(hs.message) ~= "string" or not hs.message:find(want_message, 1, true) then
    failures = failures + 1
    print(string.format("FAIL %s: got %s %q, want %s containing %q", name, tostring(hs.status),
                        tostring(hs.message), want_status, want_message))
  else
    print(string.format("ok   %s: %s (%s)", name, hs.status, hs.message))
  end
end

-- The argocd-cm patch embeds the script indented by four spaces under its key.
local cm = read(root .. "/deploy/argocd/argocd-cm.yaml")
local embedded = cm:match("resource%.customizations%.health%.rolloutd%.io_RolloutPolicy: |\n(.*)$")
if embedded == nil then
  failures = failures + 1
  print("FAIL argocd-cm.yaml: no resource.customizations.health.rolloutd.io_RolloutPolicy block")
else
  embedded = ("\n" .. embedded):gsub("\n    ", "\n"):sub(2)
  if embedded ~= read(script) then
    failures = failures + 1
    print("FAIL argocd-cm.yaml embeds a different script than deploy/argocd/health.lua (regenerate it)")
  else
    print("ok   argocd-cm.yaml embeds health.lua")
  end
end

local passed = #cases + 1 - failures
print(string.format("%d passed, %d failed", passed, failures))
os.exit(failures == 0 and 0 or 1)
