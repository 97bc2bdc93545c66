import { writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/services.js';

const isolated = { XDG_CONFIG_HOME: mkdtempSync(join(tmpdir(), 'mo-cfg-')) };

describe('the CLI entry point', () => {
  it('--help lists the global flags of the contract and exits 0', async () => {
    const r = await runCli(['--help'], { env: isolated });
    expect(r.code).toBe(0);
    for (const flag of ['--config', '--json', '--yes', '--dry-run', '--no-color', '--timeout', '--verbose', '--redis-url', '--redis-cluster', '--profile', '--region']) {
      expect(r.stdout).toContain(flag);
    }
  });

  it('--version prints the package version', async () => {
    const r = await runCli(['--version'], { env: isolated });
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
  });

  it('an unknown flag is a usage error (exit 2), with a JSON document when --json is given', async () => {
    const r = await runCli(['config', 'show', '--json', '--bogus'], { env: isolated });
    expect(r.code).toBe(2);
    const doc = JSON.parse(r.stdout);
    expect(doc.error.code).toBe('USAGE');
    expect(doc.schemaVersion).toBe(1);
  });

  it('config show applies flag > env > file > default and redacts secrets', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mo-'));
    const file = join(dir, 'c.json');
    writeFileSync(file, JSON.stringify({ redis: { url: 'redis://file:6379', password: 's3cret-file' }, aws: { region: 'eu-west-1' }, timeoutMs: 1000 }));
    const r = await runCli(['config', 'show', '--json', '--config', file, '--region', 'ap-northeast-1'], {
      env: { ...isolated, MANGA_ONCALL_REDIS_URL: 'redis://user:hunter2@env:6380', AWS_REGION: 'us-west-2' },
    });
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc.command).toBe('config show');
    expect(doc.config.aws.region).toBe('ap-northeast-1');
    expect(doc.provenance['aws.region']).toBe('flag');
    expect(doc.config.redis.url).toContain('env:6380');
    expect(doc.provenance['redis.url']).toBe('env');
    expect(doc.config.timeoutMs).toBe(1000);
    expect(doc.config.names.sessionsTable).toBe('manga_sessions');
    expect(r.stdout).not.toContain('hunter2');
    expect(r.stdout).not.toContain('s3cret-file');
  });

  it('a config file with wrong fields names each of them and exits 2', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mo-'));
    const file = join(dir, 'bad.json');
    writeFileSync(file, JSON.stringify({ redis: { hashtags: true, url: 'http://nope' }, timeoutMs: -5 }));
    const r = await runCli(['config', 'show', '--config', file], { env: isolated });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('redis.url: must start with redis:// or rediss://');
    expect(r.stderr).toContain('hashtags');
    expect(r.stderr).toContain('timeoutMs');
    expect(r.stdout).toBe('');
  });

  it('a missing explicit config file is a configuration error', async () => {
    const r = await runCli(['config', 'show', '--config', '/nonexistent/x.json'], { env: isolated });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('cannot read config file');
  });
});
