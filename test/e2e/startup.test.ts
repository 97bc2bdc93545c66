/**
 * Start-up: `--help` and `--version` load no AWS SDK, no ioredis and no prompt library, and
 * each command loads only what it uses. Every module the built binary loads is recorded by
 * a preload (`NODE_OPTIONS=--import`): an ESM resolve hook (`module.register`) logs each
 * resolved URL, a patched `Module._load` logs each CommonJS require, and at exit the
 * CommonJS cache is listed too. The positive checks (scan redis loads ioredis, scan dynamodb
 * loads the DynamoDB client) prove the recorder sees what the negative checks look for.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, startRedis } from '../helpers/services.js';
import { startSessionsTable, type SessionsTable } from '../integration/scan-dynamo-fixtures.js';

const dir = mkdtempSync(join(tmpdir(), 'mo-startup-'));
const HOOKS = `import { appendFileSync } from 'node:fs';
let log;
export function initialize(data) { log = data.log; }
export async function resolve(specifier, context, next) {
  const r = await next(specifier, context);
  appendFileSync(log, 'esm ' + r.url + '\\n');
  return r;
}
`;
const PRELOAD = `import Module, { register } from 'node:module';
import { appendFileSync } from 'node:fs';
const log = process.env.MODULE_LOG;
register(new URL('./hooks.mjs', import.meta.url), { data: { log } });
const load = Module._load;
Module._load = function (request, parent, isMain) {
  appendFileSync(log, 'cjs ' + request + '\\n');
  return load.apply(this, arguments);
};
process.on('exit', () => appendFileSync(log, Object.keys(Module._cache).map((k) => 'cache ' + k + '\\n').join('')));
`;
writeFileSync(join(dir, 'hooks.mjs'), HOOKS);
writeFileSync(join(dir, 'preload.mjs'), PRELOAD);

let run = 0;
/** Runs the binary with the recorder; returns the exit code and every module it loaded. */
async function modulesLoadedBy(args: string[], extraEnv: NodeJS.ProcessEnv = {}) {
  const log = join(dir, `modules-${run++}.log`);
  writeFileSync(log, '');
  const r = await runCli(args, {
    env: { XDG_CONFIG_HOME: dir, MODULE_LOG: log, NODE_OPTIONS: `--import ${pathToFileURL(join(dir, 'preload.mjs')).href}`, ...extraEnv },
  });
  return { ...r, modules: readFileSync(log, 'utf8').split('\n').filter(Boolean) };
}

const HEAVY = /@aws-sdk|@smithy|ioredis|@inquirer|inquirer/;
/** The package a log line names: after the last node_modules/ of a path, or a bare specifier's own. */
function packageOf(line: string): string {
  const what = line.replace(/^(esm|cjs|cache) /, '');
  const inModules = /.*node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(what);
  if (inModules) return inModules[1]!;
  const bare = /^((?:@[^/]+\/)?[^/]+)/.exec(what);
  return bare ? bare[1]! : what;
}
const heavyIn = (modules: string[]) => [...new Set(modules.filter((m) => HEAVY.test(m)).map(packageOf))].sort();

describe('start-up loads only what a command uses', () => {
  it.each(['--help', '--version', 'scan --help', 'lab --help', 'runbook list', 'config show'])('%s: no AWS SDK, no ioredis, no prompt library', async (command) => {
    const r = await modulesLoadedBy(command.split(' '));
    expect(r.code).toBe(0);
    // The recorder works: the CLI's own entry and commander were seen.
    expect(r.modules.some((m) => m.includes('dist/cli/main.js'))).toBe(true);
    expect(r.modules.some((m) => m.includes('commander'))).toBe(true);
    expect(heavyIn(r.modules)).toEqual([]);
  });

  it.each(['--help', '--version', 'scan --help'])('%s does not even load the config schema (zod)', async (command) => {
    const r = await modulesLoadedBy(command.split(' '));
    expect(r.code).toBe(0);
    expect(r.modules.filter((m) => m.includes('node_modules/zod/'))).toEqual([]);
  });
});

describe('each command loads its own heavy modules and no others', () => {
  let redis: Awaited<ReturnType<typeof startRedis>>;
  let table: SessionsTable;
  let configFile: string;
  beforeAll(async () => {
    [redis, table] = await Promise.all([startRedis(), startSessionsTable(5)]);
    configFile = join(dir, 'config.json');
    writeFileSync(configFile, JSON.stringify({ redis: { url: redis.server.url }, aws: { accessKeyId: 'x', secretAccessKey: 'y', endpoints: { dynamodb: table.dynamo.endpoint } } }));
  });
  afterAll(async () => Promise.all([redis?.stop(), table?.stop()]));

  it('scan redis loads ioredis and no AWS SDK', async () => {
    const r = await modulesLoadedBy(['scan', 'redis', '--config', configFile]);
    expect(r.code).toBe(0);
    expect(heavyIn(r.modules)).toEqual(['@ioredis/commands', 'ioredis']);
  });

  it('scan dynamodb loads the DynamoDB client and no ioredis or prompts', async () => {
    const r = await modulesLoadedBy(['scan', 'dynamodb', '--config', configFile]);
    expect(r.code).toBe(3); // the fixture table holds sessions over the threshold
    const heavy = heavyIn(r.modules);
    expect(heavy).toContain('@aws-sdk/client-dynamodb');
    expect(heavy.filter((m) => /ioredis|inquirer|client-(s3|cloudwatch|sts|elasticache)/.test(m))).toEqual([]);
  });
});
