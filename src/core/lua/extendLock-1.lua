--[[
  Extend the lease of a session lock, but only if we still hold it (compare-and-pexpire).

  Used by a holder whose work outlasts its lease. If the lease already expired and another
  holder took the lock, the extension must fail rather than prolong a lease that is not ours.

  Input:
    KEYS[1] lock key (manga:session:<id>:lock)

    ARGV[1] the holder's token
    ARGV[2] the new lease, in milliseconds from now (a positive integer)

  Output:
    1 the lock held this token; its expiry is now ARGV[2] ms from now
    0 the lock is absent or holds another token: nothing changed
]]
if redis.call("GET", KEYS[1]) == ARGV[1] then
  return redis.call("PEXPIRE", KEYS[1], ARGV[2])
end
return 0
