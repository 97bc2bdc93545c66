--[[
  Compare-and-set the session state by version.

  For a caller that read the state earlier (a plan shown to on-call, a dry-run) and must
  write only if nobody changed it since. The new JSON is encoded by the caller, with its
  version already set to expected + 1: cjson would re-encode an empty array as an object,
  so the script only decodes the current value to read its version and never re-encodes.
  A missing key, or a state without an integer version (data written before versions
  existed), counts as version 0.

  Input:
    KEYS[1] state key (manga:session:<id>:state)

    ARGV[1] the version the caller expects the state to have now
    ARGV[2] the new state, JSON, whose version is ARGV[1] + 1
    ARGV[3] expiry in seconds (session inactivity TTL)

  Output:
    {1, version}  written; version is the new version
    {0, version}  not written: the state is at another version
    {-1, 0}       not written: the current value is not a JSON object (corrupt)
]]
local raw = redis.call("GET", KEYS[1])
local current = 0
if raw then
  local ok, decoded = pcall(cjson.decode, raw)
  -- an array decodes to a table too; it has a first element where an object has none
  if not ok or type(decoded) ~= "table" or decoded[1] ~= nil then
    return {-1, 0}
  end
  local v = decoded["version"]
  if type(v) == "number" and v == math.floor(v) then
    current = v
  end
end
if current ~= tonumber(ARGV[1]) then
  return {0, current}
end
redis.call("SET", KEYS[1], ARGV[2], "EX", ARGV[3])
return {1, current + 1}
