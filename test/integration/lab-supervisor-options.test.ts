import { describe, expect, it } from 'vitest';
import { configSchema } from '../../src/config/schema.js';
import { LAB_CREDENTIALS, LAB_REGION } from '../../src/lab/endpoints.js';
import { labConfigFile } from '../../src/lab/lab-config.js';
import { planSeed } from '../../src/lab/seed/plan.js';
import { compareWithManifest, failedSourcesOf } from '../../src/lab/supervisor/demo-compare.js';
import { parseSeedFlags } from '../../src/lab/supervisor/seed-options.js';
import { checkLabRedisUrl } from '../../src/lab/supervisor/up.js';

const endpoints = { redisUrl: 'redis://127.0.0.1:7100', dynamodb: 'http://127.0.0.1:7101', s3: 'http://127.0.0.1:7102', emulator: 'http://127.0.0.1:7103' };

describe('the lab config file', () => {
  it('points every AWS service and Redis at the lab, with the lab credentials, and is a valid config', () => {
    const file = labConfigFile(endpoints, { stateDir: '/tmp/lab' });
    const config = configSchema.parse(file);
    expect(config.redis.url).toBe(endpoints.redisUrl);
    expect(config.aws.endpoints).toEqual({
      logs: endpoints.emulator,
      cloudwatch: endpoints.emulator,
      elasticache: endpoints.emulator,
      dynamodb: endpoints.dynamodb,
      s3: endpoints.s3,
      sts: endpoints.emulator,
    });
    expect([config.aws.accessKeyId, config.aws.secretAccessKey]).toEqual([LAB_CREDENTIALS.accessKeyId, LAB_CREDENTIALS.secretAccessKey]);
    expect(config.aws.region).toBe(LAB_REGION);
    expect(config.aws.s3ForcePathStyle).toBe(true);
    expect(config.auditPath).toBe('/tmp/lab/audit.jsonl');
    // Production names stay the defaults: the lab exercises them.
    expect(config.names.sessionsTable).toBe('manga_sessions');
  });

  it('refuses endpoints that are not URLs rather than writing a file no command could load', () => {
    expect(() => labConfigFile({ ...endpoints, dynamodb: 'not a url' })).toThrow();
  });
});

describe('lab seed flags', () => {
  it('accepts the documented forms', () => {
    expect(parseSeedFlags({})).toEqual({ scenarios: 'all' });
    expect(parseSeedFlags({ scenario: 'none', sessions: '0' })).toEqual({ scenarios: 'none', sessions: 0 });
    expect(parseSeedFlags({ scenario: '4,1', sessions: '250', seed: '7', variant: ['1=no-event'] })).toEqual({
      scenarios: [1, 4],
      sessions: 250,
      seed: 7,
      variants: { 1: 'no-event' },
    });
  });

  it.each([
    [{ scenario: '0' }, '--scenario'],
    [{ scenario: '6' }, '--scenario'],
    [{ scenario: '1,,2' }, '--scenario'],
    [{ scenario: 'ALL' }, '--scenario'],
    [{ sessions: '' }, '--sessions'],
    [{ sessions: '12.5' }, '--sessions'],
    [{ sessions: '0x10' }, '--sessions'],
    [{ sessions: ' 12' }, '--sessions'],
    [{ sessions: '-3' }, '--sessions'],
    [{ sessions: '100001' }, '--sessions'],
    [{ seed: 'abc' }, '--seed'],
    [{ variant: ['failover'] }, '--variant'],
    [{ variant: ['6=x'] }, '--variant'],
    [{ variant: ['2=failover'] }, 'no variant'],
    [{ scenario: '3', variant: ['1=no-event'] }, 'not being seeded'],
  ])('refuses %j with BAD_OPTION', (flags, message) => {
    expect(() => parseSeedFlags(flags)).toThrow(expect.objectContaining({ code: 'BAD_OPTION', message: expect.stringContaining(message) }));
  });
});

describe('the lab --redis-url', () => {
  it('must be redis:// on loopback, since lab seed flushes it', () => {
    for (const ok of ['redis://127.0.0.1:6379', 'redis://localhost:6380', 'redis://[::1]:6379', 'redis://:pw@127.0.0.2:1']) expect(() => checkLabRedisUrl(ok)).not.toThrow();
    for (const bad of ['redis://10.0.0.5:6379', 'rediss://127.0.0.1:6379', 'redis://cache.example.com:6379', 'http://127.0.0.1:6379', 'nope']) {
      expect(() => checkLabRedisUrl(bad), bad).toThrow(expect.objectContaining({ code: 'BAD_OPTION' }));
    }
  });
});

describe('the demo comparison of diagnose findings with the seed manifest', () => {
  const all = planSeed({ scenarios: 'all', sessions: 3, now: 1_700_000_000_000 }).manifest;
  const finding = (scenario: number, id: string, count = 1) => ({ scenario, rootCause: { id, title: id }, affectedSessions: { count, sample: [] } });
  const perfect = { status: 'incident', findings: all.scenarios.map((s) => finding(s.scenario, s.expected.rootCauseId, s.affectedSessions.length)) };

  it('finds every seeded incident when diagnose names each expected root cause', () => {
    const checks = compareWithManifest(all, perfect);
    expect(checks.map((c) => c.found)).toEqual([true, true, true, true, true]);
    expect(checks.map((c) => c.diagnosedSessions)).toEqual(all.scenarios.map((s) => s.affectedSessions.length));
  });

  it('misses a scenario diagnose did not report, or reported with another root cause', () => {
    const body = { findings: [...perfect.findings.filter((f) => f.scenario !== 2).map((f) => (f.scenario === 1 ? finding(1, 'concurrent-write-race') : f))] };
    const checks = compareWithManifest(all, body);
    expect(checks.filter((c) => !c.found).map((c) => [c.scenario, c.diagnosed])).toEqual([
      [1, ['concurrent-write-race']],
      [2, []],
    ]);
  });

  it('counts a benign variant as found when diagnose reports nothing for it', () => {
    const benign = planSeed({ scenarios: [2], sessions: 3, variants: { 2: 'multi-agent' }, now: 1_700_000_000_000 }).manifest;
    expect(compareWithManifest(benign, { findings: [] })[0]?.found).toBe(true);
    expect(compareWithManifest(benign, { findings: [finding(2, 'ambiguous-query-low-confidence')] })[0]?.found).toBe(false);
  });

  it('rejects a body without findings, and lists the sources diagnose could not read', () => {
    expect(() => compareWithManifest(all, { status: 'healthy' })).toThrow(TypeError);
    const sources = [
      { name: 'redis', status: 'ok', error: null },
      { name: 'logs', status: 'error', error: { code: 'TIMEOUT', message: 'no answer within 5000 ms' } },
    ];
    expect(failedSourcesOf({ sources })).toEqual([{ name: 'logs', error: 'TIMEOUT: no answer within 5000 ms' }]);
  });
});
