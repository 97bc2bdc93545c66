--[[
  Apply one planned repair of one session, atomically, if the session is still as planned:
  the fleet path of `fix` (src/core/sessions/batch-repair.ts). Many of these are sent per
  pipeline; each is atomic on its own, like a MULTI/EXEC, and unlike a pipelined MULTI/EXEC
  it can re-check the precondition first (a WATCH cannot span a pipeline of transactions).
  Redis writes a script's effects to the AOF wrapped in MULTI/EXEC, so a crash never leaves
  half of it applied.

  Input:
    KEYS[1]    the quarantine key chosen for this repair (<prefix>:quarantine:<id>:<epoch-ms>)
    KEYS[2..7] the session's turns, backup, state, routes, pin and lock keys

    ARGV[1]    the quarantine record (JSON): pre-images of every key the repair touches
    ARGV[2]    the quarantine record's expiry, ms
    ARGV[3..8] the fingerprint the plan read for KEYS[2..7] ('' = not read, not checked);
               same algorithm as src/core/sessions/fingerprint.ts:
               none | string:<sha1> | list:<sha1 of "<len>:<entry>" concatenated>
    ARGV[9]    number of writes, then per write: op, key index (2..7), ttl ms, value count,
               values. op: del | list (DEL, RPUSH values, PEXPIRE ttl if > 0) |
               string (SET value, PX ttl if > 0) | expire (PEXPIRE ttl if > 0)

  Output:
    'APPLIED'          the record was written and every write applied
    {'CHANGED', i}     KEYS[i] no longer matches the plan: nothing was written
    {'UNSUPPORTED', i} KEYS[i] is of a type this script does not fingerprint: nothing written
    'QKEY_TAKEN'       KEYS[1] already exists (another repair this millisecond): nothing written
]]
local function fingerprint(key)
  local t = redis.call('TYPE', key)['ok']
  if t == 'none' then return 'none' end
  if t == 'string' then return 'string:' .. redis.sha1hex(redis.call('GET', key)) end
  if t == 'list' then
    local entries = redis.call('LRANGE', key, 0, -1)
    local parts = {}
    for i = 1, #entries do
      parts[i] = #entries[i] .. ':' .. entries[i]
    end
    return 'list:' .. redis.sha1hex(table.concat(parts))
  end
  return nil
end

for i = 2, 7 do
  local expected = ARGV[i + 1]
  if expected ~= '' then
    local actual = fingerprint(KEYS[i])
    if actual == nil then return {'UNSUPPORTED', i} end
    if actual ~= expected then return {'CHANGED', i} end
  end
end

if redis.call('EXISTS', KEYS[1]) == 1 then return 'QKEY_TAKEN' end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])

local BATCH = 1000
local n = tonumber(ARGV[9])
local at = 10
for _ = 1, n do
  local op = ARGV[at]
  local key = KEYS[tonumber(ARGV[at + 1])]
  local ttl = tonumber(ARGV[at + 2])
  local count = tonumber(ARGV[at + 3])
  local first = at + 4
  if op == 'del' then
    redis.call('DEL', key)
  elseif op == 'list' then
    redis.call('DEL', key)
    local j = first
    while j < first + count do
      local last = math.min(j + BATCH - 1, first + count - 1)
      redis.call('RPUSH', key, unpack(ARGV, j, last))
      j = last + 1
    end
    if count > 0 and ttl > 0 then redis.call('PEXPIRE', key, ttl) end
  elseif op == 'string' then
    if ttl > 0 then redis.call('SET', key, ARGV[first], 'PX', ttl) else redis.call('SET', key, ARGV[first]) end
  elseif op == 'expire' then
    if ttl > 0 then redis.call('PEXPIRE', key, ttl) end
  else
    return redis.error_reply('unknown write op ' .. tostring(op))
  end
  at = first + count
end
return 'APPLIED'
