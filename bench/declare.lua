-- wrk load for Fireline:   wrk -s bench/declare.lua URL -- declare checkout,login,... TOKEN
--                 ceiling:  wrk -s bench/declare.lua URL -- echo
-- Every request is a POST with a JSON body; declare bodies vary title, type, services,
-- impact, urgency and labels so that the server does real work on each.

local words = {
  "error", "timeout", "slow", "failed", "users", "requests", "latency", "service", "down",
  "api", "database", "connection", "customers", "page", "response", "unavailable", "login",
  "checkout", "payment", "degraded", "cache", "queue", "memory", "cpu", "disk", "network",
  "deploy", "rollback", "certificate", "dns", "proxy", "gateway", "replica", "failover",
}
local types = { "performance", "access", "data", "security", "feature", "infrastructure" }
local levels = { "high", "medium", "medium", "low", "low", "low" }
local labels = { "customer-reported", "regression", "deploy", "third-party", "on-call" }
local mode = "declare"
local services = {}

local next_id = 0
function setup(thread)
  next_id = next_id + 1
  thread:set("id", next_id)
end

function init(args)
  mode = args[1] or "declare"
  for name in string.gmatch(args[2] or "", "[^,]+") do
    services[#services + 1] = name
  end
  if args[3] then
    wrk.headers["Authorization"] = "Bearer " .. args[3]
  end
  math.randomseed(os.time() * 100 + (id or 0))
end

wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"

local function pick(list)
  return list[math.random(#list)]
end

local function sentence(count)
  local out = {}
  for i = 1, count do
    out[i] = pick(words)
  end
  return table.concat(out, " ")
end

function request()
  if mode == "echo" then
    local body = '{"title":"' .. sentence(5) .. '","severity":3,"labels":["eu"]}'
    return wrk.format(nil, "/echo", nil, body)
  end
  local chosen = '"' .. pick(services) .. '"'
  if math.random() < 0.15 then
    chosen = chosen .. ',"' .. pick(services) .. '"'
  end
  local body = string.format(
    '{"title":"%s","type":"%s","services":[%s],"impact":"%s","urgency":"%s",'
      .. '"description":"%s","labels":["%s"]}',
    sentence(6), pick(types), chosen, pick(levels), pick(levels), sentence(20), pick(labels)
  )
  return wrk.format(nil, "/api/v1/incidents", nil, body)
end
