// The Redis balancer's Lua scripts. Each runs atomically in Redis, so an admission's capacity
// check, its loop choice and its reservation can never interleave with another node's.
//
// Keys under the prefix P (ARGV[1]):
//   P:jam:<id>      hash  user id → {"l": loop, "n": node, "r": channel ref}
//   P:jams          zset  jam id → number of seats (pick and stats read only this)
//   P:seats:<node>  set   "<jam id>\n<user id>" of every seat the node holds
//   P:nodes         set   nodes that may hold seats
//   P:lease:<node>  the node is alive while this key exists (TTL = the tracker's down period)
//   P:next          the new jam offered while every jam is full (forgotten after an hour unused)

const COMMON = `
local P = ARGV[1]
local function free(jam, user)
  local key = P .. ':jam:' .. jam
  redis.call('HDEL', key, user)
  local n = redis.call('HLEN', key)
  if n == 0 then redis.call('ZREM', P .. ':jams', jam) else redis.call('ZADD', P .. ':jams', n, jam) end
end
local function release(node)
  for _, seat in ipairs(redis.call('SMEMBERS', P .. ':seats:' .. node)) do
    local sep = string.find(seat, '\\n', 1, true)
    local jam, user = string.sub(seat, 1, sep - 1), string.sub(seat, sep + 1)
    local raw = redis.call('HGET', P .. ':jam:' .. jam, user)
    if raw and cjson.decode(raw).n == node then free(jam, user) end
  end
  redis.call('DEL', P .. ':seats:' .. node)
  redis.call('SREM', P .. ':nodes', node)
end
-- A node whose lease ran out is dead: its seats (and loops) go back to the jams.
local function purge()
  for _, node in ipairs(redis.call('SMEMBERS', P .. ':nodes')) do
    if redis.call('EXISTS', P .. ':lease:' .. node) == 0 then release(node) end
  end
end
local function alive(node, ms)
  redis.call('SET', P .. ':lease:' .. node, '1', 'PX', ms)
  redis.call('SADD', P .. ':nodes', node)
end
-- The most populated jam with room; when every jam is full, the same new jam for everyone
-- until someone sits in it (the caller proposes the id), so refused players meet again.
local function best(max, candidate)
  local top = redis.call('ZREVRANGEBYSCORE', P .. ':jams', '(' .. max, 1, 'LIMIT', 0, 1)
  if top[1] then return top[1] end
  local pending = redis.call('GET', P .. ':next')
  if pending and redis.call('EXISTS', P .. ':jam:' .. pending) == 0 then return pending end
  redis.call('SET', P .. ':next', candidate, 'EX', 3600)
  return candidate
end
`;

/** ARGV: prefix, max users, a fresh jam id. Returns the most populated jam with room, or the new jam. */
export const PICK = `${COMMON}
purge()
return best(tonumber(ARGV[2]), ARGV[3])
`;

/**
 * ARGV: prefix, node, lease ms, max users, jam, user, ref, a fresh jam id, the loop names in order…
 * Returns {"ok", loop} or {"full", the jam to join instead}.
 */
export const ADMIT = `${COMMON}
local node, lease, max, jam, user, ref, candidate = ARGV[2], tonumber(ARGV[3]), tonumber(ARGV[4]), ARGV[5], ARGV[6], ARGV[7], ARGV[8]
alive(node, lease)
purge()
local key = P .. ':jam:' .. jam
local raw = redis.call('HGET', key, user)
if raw then
  local seat = cjson.decode(raw)
  if seat.n ~= node then redis.call('SREM', P .. ':seats:' .. seat.n, jam .. '\\n' .. user) end
  redis.call('HSET', key, user, cjson.encode({l = seat.l, n = node, r = ref}))
  redis.call('SADD', P .. ':seats:' .. node, jam .. '\\n' .. user)
  return {'ok', seat.l}
end
local n = redis.call('HLEN', key)
if n >= max then return {'full', best(max, candidate)} end
local taken = {}
for _, value in ipairs(redis.call('HVALS', key)) do taken[cjson.decode(value).l] = true end
local loop = nil
for i = 9, #ARGV do
  if not taken[ARGV[i]] then loop = ARGV[i]; break end
end
if not loop then return {'full', best(max, candidate)} end
redis.call('HSET', key, user, cjson.encode({l = loop, n = node, r = ref}))
redis.call('ZADD', P .. ':jams', n + 1, jam)
redis.call('SADD', P .. ':seats:' .. node, jam .. '\\n' .. user)
return {'ok', loop}
`;

/** ARGV: prefix, jam, user, ref. Frees the seat only if that channel still holds it; returns 1 if freed. */
export const LEAVE = `${COMMON}
local jam, user, ref = ARGV[2], ARGV[3], ARGV[4]
local raw = redis.call('HGET', P .. ':jam:' .. jam, user)
if not raw then return 0 end
local seat = cjson.decode(raw)
if seat.r ~= ref then return 0 end
free(jam, user)
redis.call('SREM', P .. ':seats:' .. seat.n, jam .. '\\n' .. user)
return 1
`;

/** ARGV: prefix. Returns the flat [jam, count, jam, count, …] after purging dead nodes. */
export const STATS = `${COMMON}
purge()
return redis.call('ZRANGE', P .. ':jams', 0, -1, 'WITHSCORES')
`;

/** ARGV: prefix, node, lease ms. The periodic heartbeat: renew this node's lease, purge the dead. */
export const RENEW = `${COMMON}
alive(ARGV[2], tonumber(ARGV[3]))
purge()
return 1
`;

/** ARGV: prefix, node. Frees every seat the node holds (a restart under the same name, or a clean stop). */
export const RELEASE = `${COMMON}
release(ARGV[2])
redis.call('DEL', P .. ':lease:' .. ARGV[2])
return 1
`;
