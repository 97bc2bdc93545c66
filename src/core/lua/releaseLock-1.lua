--[[
  Release a session lock, but only if we still hold it (compare-and-delete).

  A holder whose lease expired must not delete the lock that another holder acquired
  after it: a plain DEL would. Comparing the token and deleting in one script is atomic.

  Input:
    KEYS[1] lock key (manga:session:<id>:lock)

    ARGV[1] the token the caller set when it acquired the lock (or, for a forced release
            by on-call, the token it observed)

  Output:
    1 the lock held this token and was deleted
    0 the lock is absent or holds another token: nothing was deleted
]]
if redis.call("GET", KEYS[1]) == ARGV[1] then
  return redis.call("DEL", KEYS[1])
end
return 0
