-- Argo CD health check for rolloutd.io/RolloutPolicy. Argo CD runs it with the live object in
-- `obj` (gopher-lua: Lua 5.1) and reads the returned {status, message}. Installed through the
-- argocd-cm key resource.customizations.health.rolloutd.io_RolloutPolicy (see argocd-cm.yaml here,
-- which embeds this file; test/lua/argocd_health_test.lua runs it against sample statuses).
--
-- Mapping: a status the controller has not computed for the current spec is Progressing; an
-- invalid spec, an abort or an exceeded progress deadline is Degraded; a pause (spec.paused, or a
-- canary/blue-green step waiting for promotion) is Suspended, as Argo CD shows a paused Argo
-- Rollout; a finished rollout is Healthy; anything else is Progressing.
local hs = {status = "Progressing", message = "Waiting for rolloutd to report status"}

local function condition(status, type)
  if status.conditions == nil then
    return nil
  end
  for _, c in ipairs(status.conditions) do
    if c.type == type then
      return c
    end
  end
  return nil
end

local function message_or(status, default)
  if status.message ~= nil and status.message ~= "" then
    return status.message
  end
  return default
end

if obj.status == nil then
  return hs
end
local status = obj.status
local generation = obj.metadata.generation

-- kstatus convention: a status computed for an older spec says nothing about this one.
if generation ~= nil and (status.observedGeneration == nil or status.observedGeneration < generation) then
  hs.message = "Waiting for rolloutd to observe generation " .. tostring(generation)
  return hs
end

local invalid = condition(status, "InvalidSpec")
if invalid ~= nil and invalid.status == "True" then
  hs.status = "Degraded"
  hs.message = "InvalidSpec: " .. (invalid.message or "")
  return hs
end

if status.abort == true then
  hs.status = "Degraded"
  hs.message = message_or(status, "Rollout aborted")
  return hs
end

local progressing = condition(status, "Progressing")
if progressing ~= nil and progressing.reason == "ProgressDeadlineExceeded" then
  hs.status = "Degraded"
  hs.message = progressing.message or "Progress deadline exceeded"
  return hs
end

local paused = (obj.spec ~= nil and obj.spec.paused == true) or status.phase == "Paused"
if status.pauseConditions ~= nil and #status.pauseConditions > 0 then
  paused = true
end
if paused then
  hs.status = "Suspended"
  hs.message = message_or(status, "Rollout is paused")
  return hs
end

local ready = condition(status, "Ready")
if status.phase == "Healthy" and (ready == nil or ready.status == "True") then
  hs.status = "Healthy"
  hs.message = message_or(status, "Rollout is complete")
  return hs
end

if status.phase == "Degraded" then
  hs.status = "Degraded"
  hs.message = message_or(status, "Rollout is degraded")
  return hs
end

hs.message = message_or(status, "Rollout is progressing")
return hs
