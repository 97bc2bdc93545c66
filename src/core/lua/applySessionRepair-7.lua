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
               values. op: del | list (DEL, RPUSH the entries, PEXPIRE ttl if > 0) |
               string (SET value, PX ttl if > 0) | expire (PEXPIRE ttl if > 0)
               A list's entries come as one value, packed as the fingerprint hashes them:
               "<byte length>:<entry>" for every entry, concatenated ('' for none). One
               argument rather than one per entry: the client's cost is per argument.

  Output:
    {'APPLIED', fp2, pttl2, ..., fp7, pttl7}
                       the record was written and every write applied; then the session's
                       keys were read back, as 'verify' reads them (the turns key and every
                       written key: fingerprint and PTTL; a key with only an 'expire' write:
                       its PTTL), so the client checks them against the content the core
                       decided without a second call; a list that holds exactly the entries
                       this call wrote has fp '=' (the client knows the fingerprint of the
                       packed value it sent)
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

-- A key is read with the one command of the type it is written with (turns and routes are
-- lists, the others strings): an empty LRANGE or a false GET is an absent key (a list is
-- never empty), and only a key of another type (an error reply) costs a TYPE.
local LISTS = {[2] = true, [5] = true}

local function readKey(i)
  local seen = read[i]
  if seen then return seen end
  local key = KEYS[i]
  local value
  if LISTS[i] then value = redis.pcall('LRANGE', key, 0, -1) else value = redis.pcall('GET', key) end
  if type(value) == 'table' and value.err then seen = {redis.call('TYPE', key)['ok']}
  elseif LISTS[i] then
    if #value == 0 then seen = {'none'} else seen = {'list', value} end
  elseif value == false then seen = {'none'}
  else seen = {'string', value} end
  read[i] = seen
  return seen
end

local function fingerprint(i)
  local seen = readKey(i)
  local t = seen[1]
  if t == 'none' then return 'none' end
  if t == 'string' then return 'string:' .. redis.sha1hex(seen[2]) end
  if t == 'list' then
    -- "<len>:" and the entry as separate parts: each entry is copied once, by the concat.
    local entries = seen[2]
    local parts = {}
    for j = 1, #entries do
      parts[2 * j - 1] = #entries[j] .. ':'
      parts[2 * j] = entries[j]
    end
    return 'list:' .. redis.sha1hex(table.concat(parts))
  end
  return nil
end

-- A list write's packed entries (see ARGV[10]) as a table, or nil when malformed.
local function unpackEntries(packed)
  local entries = {}
  local pos = 1
  local size = #packed
  while pos <= size do
    local colon = string.find(packed, ':', pos, true)
    if not colon then return nil end
    -- Canonical lengths only ("7", not "07", "7.0" or "+7"): the packed form must be exactly
    -- what the fingerprint hashes, since the client's fingerprint of it stands for the list's
    -- on read-back. (Checked on the bytes: formatting the number back costs a printf.)
    if colon == pos or string.find(packed, '[^0-9]', pos) < colon or (colon - pos > 1 and string.byte(packed, pos) == 48) then return nil end
    local len = tonumber(string.sub(packed, pos, colon - 1))
    if colon + len > size then return nil end
    entries[#entries + 1] = string.sub(packed, colon + 1, colon + len)
    pos = colon + len + 1
  end
  return entries
end

-- Whether a list read back holds exactly the entries `w` wrote ({entries, packed}). Entries
-- compare cheaply: Lua interns its strings.
local function sameEntries(seen, w)
  if not w or seen[1] ~= 'list' or #seen[2] ~= #w.entries then return false end
  for j = 1, #w.entries do
    if seen[2][j] ~= w.entries[j] then return false end
  end
  return true
end

-- The read-back: per key KEYS[2..7], want[i] 'fp', 'ttl' or '' (see 'verify' above);
-- appended to `out`. Keys are read afresh (a repair has just written them). `written[i]`,
-- for a list just written from packed entries: a list read back holding exactly those
-- entries is reported as '=': its fingerprint is the packed value's, which the client
-- computed when it sent it (no SHA-1 here).
local function readBack(want, out, written)
  for i = 2, 7 do
    local fp = ''
    local ttl = -3
    read[i] = nil
    if want[i] == 'fp' then
      local w = written and written[i]
      if w and sameEntries(readKey(i), w) then fp = '='
      else fp = fingerprint(i) or (readKey(i)[1] .. ':?') end
    end
    if want[i] == 'fp' or want[i] == 'ttl' then ttl = redis.call('PTTL', KEYS[i]) end
    out[#out + 1] = fp
    out[#out + 1] = ttl
  end
  return out
end

if ARGV[2] == 'verify' then
  local want = {}
  for i = 2, 7 do want[i] = ARGV[i + 2] end
  return readBack(want, {})
end

for i = 2, 7 do
  local expected = ARGV[i + 2]
  if expected ~= '' then
    local actual = fingerprint(i)
    if actual == nil then return {'UNSUPPORTED', i} end
    if actual ~= expected then return {'CHANGED', i} end
  end
end

local OPS = {del = true, list = true, string = true, expire = true}
local n = tonumber(ARGV[10])
local head = ARGV[2] == 'head'
local record = ARGV[1]
-- Checked before anything is written: a bad argument must not leave half a repair.
local parts = {}
local done = {}
-- Each list write's entries, by the index of its op in ARGV; by key index for the read-back.
local lists = {}
local written = {}
-- What the read-back after the writes reads: the turns key, and every written key.
local want = {[2] = 'fp'}
local at = 11
for _ = 1, n do
  local op = ARGV[at]
  local i = tonumber(ARGV[at + 1])
  if not OPS[op] then return redis.error_reply('unknown write op ' .. tostring(op)) end
  if i == nil or i < 2 or i > 7 then return redis.error_reply('bad key index ' .. tostring(ARGV[at + 1])) end
  if op ~= 'expire' then want[i] = 'fp' elseif want[i] ~= 'fp' then want[i] = 'ttl' end
  if op ~= 'expire' then written[i] = nil end
  if op == 'list' then
    if ARGV[at + 3] ~= '1' then return redis.error_reply('a list write takes one packed value') end
    lists[at] = unpackEntries(ARGV[at + 4])
    if not lists[at] then return redis.error_reply('malformed packed entries for key index ' .. i) end
    if #lists[at] > 0 then written[i] = {entries = lists[at], packed = ARGV[at + 4]} end
  end
  -- The pre-image of each written key (once), in write order, from what was read above.
  if head and not done[i] then
    done[i] = true
    local seen = readKey(i)
    local t = seen[1]
    if t ~= 'none' and t ~= 'string' and t ~= 'list' then return {'UNSUPPORTED', i} end
    -- The record is assembled by one table.concat at the end: every string Lua makes is
    -- hashed byte by byte (Redis hashes whole strings), so no piece is concatenated twice.
    if #parts > 0 then parts[#parts + 1] = ',' end
    parts[#parts + 1] = cjson.encode(KEYS[i])
    if t == 'none' then
      parts[#parts + 1] = ':{"type":"none","ttlMs":-2,"value":null}'
    else
      parts[#parts + 1] = ':{"type":"' .. t .. '","ttlMs":' .. redis.call('PTTL', KEYS[i]) .. ',"encoding":"utf8","value":'
      -- A list is never empty, so cjson encodes the table as a JSON array of its entries.
      parts[#parts + 1] = cjson.encode(seen[2])
      parts[#parts + 1] = '}'
    end
  end
  at = at + 4 + tonumber(ARGV[at + 3])
end
if head then
  table.insert(parts, 1, ',"keys":{')
  table.insert(parts, 1, string.sub(record, 1, -2))
  parts[#parts + 1] = '}}'
  record = table.concat(parts)
end
-- NX: a record already there (another repair this millisecond) is never overwritten.
if not redis.call('SET', KEYS[1], record, 'PX', ARGV[3], 'NX') then return 'QKEY_TAKEN' end

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
    local entries = lists[at]
    local j = 1
    while j <= #entries do
      local last = math.min(j + BATCH - 1, #entries)
      redis.call('RPUSH', key, unpack(entries, j, last))
      j = last + 1
    end
    if #entries > 0 and ttl > 0 then redis.call('PEXPIRE', key, ttl) end
  elseif op == 'string' then
    if ttl > 0 then redis.call('SET', key, ARGV[first], 'PX', ttl) else redis.call('SET', key, ARGV[first]) end
  elseif op == 'expire' then
    if ttl > 0 then redis.call('PEXPIRE', key, ttl) end
  end
  at = first + count
end
return readBack(want, {'APPLIED'}, written)
