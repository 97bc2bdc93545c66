--[[
  Apply one planned repair of one session, atomically, if the session is still as planned:
  the fleet path of `fix` (src/core/sessions/batch-repair.ts). Many of these are sent per
  pipeline; each is atomic on its own, like a MULTI/EXEC, and unlike a pipelined MULTI/EXEC
  it can re-check the precondition first (a WATCH cannot span a pipeline of transactions).
  Redis writes a script's effects to the AOF wrapped in MULTI/EXEC, so a crash never leaves
  half of it applied.

  The quarantine record is written before any write, in the same atomic step. Its pre-images
  are, by default, copied here from the bytes the precondition check just read (the client
  does not ship the session's data back): ARGV[1] is then the record without its `keys`,
  and the script appends `"keys": {<key>: {type, ttlMs, encoding: "utf8", value}}` for every
  written key, in write order, exactly as src/core/quarantine.ts `buildQuarantineRecord`
  does (the client sends this form only when every byte string of those keys is valid UTF-8;
  otherwise it sends the whole record, with base64 values, built by the client).

  Input:
    KEYS[1]    the quarantine key chosen for this repair (<prefix>:quarantine:<id>:<epoch-ms>)
    KEYS[2..7] the session's turns, backup, state, routes, pin and lock keys

    ARGV[1]    the quarantine record (JSON), whole ('full') or without `keys` ('head')
    ARGV[2]    'full' | 'head' | 'verify' (see below)
    ARGV[3]    the quarantine record's expiry, ms
    ARGV[4..9] the fingerprint the plan read for KEYS[2..7] ('' = not read, not checked);
               same algorithm as src/core/sessions/fingerprint.ts:
               none | string:<sha1> | list:<sha1 of "<len>:<entry>" concatenated>
    ARGV[10]   number of writes, then per write: op, key index (2..7), ttl ms, value count,
               values. op: del | list (DEL, RPUSH values, PEXPIRE ttl if > 0) |
               string (SET value, PX ttl if > 0) | expire (PEXPIRE ttl if > 0)

  Output:
    'APPLIED'          the record was written and every write applied
    {'CHANGED', i}     KEYS[i] no longer matches the plan: nothing was written
    {'UNSUPPORTED', i} KEYS[i] is of a type this script does not fingerprint: nothing written
    'QKEY_TAKEN'       KEYS[1] already exists (another repair this millisecond): nothing written

  Read-back ('verify', writes nothing; the fingerprint algorithm has this one Lua copy):
    ARGV[4..9] per key KEYS[2..7]: 'fp' (its fingerprint and PTTL), 'ttl' (its PTTL), '' (nothing)
  Output: {fp2, pttl2, fp3, pttl3, ..., fp7, pttl7}; fp '' and pttl -3 where not asked; the
    fingerprint of a key of another type than string or list is '<type>:?' (never a match).
]]
-- What the precondition check read, by key index: {type, value} (value: string or entries).
local read = {}

local function readKey(i)
  local seen = read[i]
  if seen then return seen end
  local key = KEYS[i]
  local t = redis.call('TYPE', key)['ok']
  if t == 'string' then seen = {t, redis.call('GET', key)}
  elseif t == 'list' then seen = {t, redis.call('LRANGE', key, 0, -1)}
  else seen = {t} end
  read[i] = seen
  return seen
end

local function fingerprint(i)
  local seen = readKey(i)
  local t = seen[1]
  if t == 'none' then return 'none' end
  if t == 'string' then return 'string:' .. redis.sha1hex(seen[2]) end
  if t == 'list' then
    local entries = seen[2]
    local parts = {}
    for j = 1, #entries do
      parts[j] = #entries[j] .. ':' .. entries[j]
    end
    return 'list:' .. redis.sha1hex(table.concat(parts))
  end
  return nil
end

if ARGV[2] == 'verify' then
  local out = {}
  for i = 2, 7 do
    local want = ARGV[i + 2]
    local fp = ''
    local ttl = -3
    if want == 'fp' then fp = fingerprint(i) or (readKey(i)[1] .. ':?') end
    if want == 'fp' or want == 'ttl' then ttl = redis.call('PTTL', KEYS[i]) end
    out[#out + 1] = fp
    out[#out + 1] = ttl
  end
  return out
end

for i = 2, 7 do
  local expected = ARGV[i + 2]
  if expected ~= '' then
    local actual = fingerprint(i)
    if actual == nil then return {'UNSUPPORTED', i} end
    if actual ~= expected then return {'CHANGED', i} end
  end
end

if redis.call('EXISTS', KEYS[1]) == 1 then return 'QKEY_TAKEN' end

local OPS = {del = true, list = true, string = true, expire = true}
local n = tonumber(ARGV[10])
local head = ARGV[2] == 'head'
local record = ARGV[1]
-- Checked before anything is written: a bad argument must not leave half a repair.
local parts = {}
local done = {}
local at = 11
for _ = 1, n do
  local op = ARGV[at]
  local i = tonumber(ARGV[at + 1])
  if not OPS[op] then return redis.error_reply('unknown write op ' .. tostring(op)) end
  if i == nil or i < 2 or i > 7 then return redis.error_reply('bad key index ' .. tostring(ARGV[at + 1])) end
  -- The pre-image of each written key (once), in write order, from what was read above.
  if head and not done[i] then
    done[i] = true
    local seen = readKey(i)
    local t = seen[1]
    local entry
    if t == 'none' then
      entry = '{"type":"none","ttlMs":-2,"value":null}'
    else
      local ttl = tostring(redis.call('PTTL', KEYS[i]))
      local value
      if t == 'string' then
        value = cjson.encode(seen[2])
      elseif t == 'list' then
        -- A list is never empty, so cjson encodes the table as a JSON array of its entries.
        value = cjson.encode(seen[2])
      else
        return {'UNSUPPORTED', i}
      end
      entry = '{"type":"' .. t .. '","ttlMs":' .. ttl .. ',"encoding":"utf8","value":' .. value .. '}'
    end
    parts[#parts + 1] = cjson.encode(KEYS[i]) .. ':' .. entry
  end
  at = at + 4 + tonumber(ARGV[at + 3])
end
if head then record = string.sub(record, 1, -2) .. ',"keys":{' .. table.concat(parts, ',') .. '}}' end
redis.call('SET', KEYS[1], record, 'PX', ARGV[3])

local BATCH = 1000
at = 11
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
  end
  at = first + count
end
return 'APPLIED'
