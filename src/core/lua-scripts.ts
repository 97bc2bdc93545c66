import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { redisErrorCode, type RedisClient } from './redis-types.js';

export type { RedisClient };

/**
 * A Lua script kept as a file in `src/core/lua/`, named bullmq-style `<name>-<numKeys>.lua`
 * with a header documenting KEYS, ARGV and the reply.
 */
export interface LuaScript {
  readonly name: string;
  readonly numberOfKeys: number;
  readonly source: string;
  /** SHA1 of the source, as EVALSHA wants it. */
  readonly sha: string;
}

let packageRoot: string | undefined;

/**
 * The directory holding package.json, found by walking up from this module. tsc does not
 * copy `.lua` files into dist/, so the scripts are always read from `src/core/lua/` of the
 * package: this works both from src/ (vitest) and from dist/ (the built CLI).
 */
function findPackageRoot(): string {
  if (packageRoot) return packageRoot;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, 'package.json'))) return (packageRoot = dir);
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`no package.json above ${fileURLToPath(import.meta.url)}: cannot locate src/core/lua`);
    dir = parent;
  }
}

const cache = new Map<string, LuaScript>();

/**
 * Reads (once) the script `src/core/lua/<fileBase>.lua`; `fileBase` is e.g. `releaseLock-1`,
 * whose suffix gives the number of keys.
 */
export function loadLuaScript(fileBase: string): LuaScript {
  const cached = cache.get(fileBase);
  if (cached) return cached;
  const match = /^(.+)-(\d+)$/.exec(fileBase);
  if (!match?.[1] || !match[2]) throw new Error(`Lua script name ${fileBase} must be <name>-<numKeys>`);
  const source = readFileSync(join(findPackageRoot(), 'src', 'core', 'lua', `${fileBase}.lua`), 'utf8');
  const script: LuaScript = {
    name: match[1],
    numberOfKeys: Number(match[2]),
    source,
    sha: createHash('sha1').update(source).digest('hex'),
  };
  cache.set(fileBase, script);
  return script;
}

/**
 * Runs a script by EVALSHA; when the server does not know it (after a restart, a failover
 * or SCRIPT FLUSH it answers NOSCRIPT) falls back to EVAL, which also caches it on the node
 * that serves the key, so the next EVALSHA succeeds. EVAL rather than SCRIPT LOAD because in
 * a cluster SCRIPT LOAD reaches an arbitrary node, EVAL the one owning the key.
 */
export async function runLuaScript(
  redis: RedisClient,
  script: LuaScript,
  keys: readonly string[],
  args: readonly (string | number)[],
): Promise<unknown> {
  if (keys.length !== script.numberOfKeys) {
    throw new Error(`Lua script ${script.name} takes ${script.numberOfKeys} keys, got ${keys.length}`);
  }
  try {
    return await redis.evalsha(script.sha, script.numberOfKeys, ...keys, ...args);
  } catch (err) {
    if (redisErrorCode(err) !== 'NOSCRIPT') throw err;
    return await redis.eval(script.source, script.numberOfKeys, ...keys, ...args);
  }
}

/** The scripts of the recovery core, each read on first use. */
export const luaScripts = {
  /** Compare-and-delete of a lock token. */
  releaseLock: (): LuaScript => loadLuaScript('releaseLock-1'),
  /** Compare-and-pexpire of a lock token. */
  extendLock: (): LuaScript => loadLuaScript('extendLock-1'),
  /** Compare-and-set of the session state by version. */
  compareAndSetState: (): LuaScript => loadLuaScript('compareAndSetState-1'),
} as const;
