/**
 * Text and JSON renderings of the lab commands' results. Pure: results in, strings and
 * plain objects out. No secret is rendered: an external --redis-url is shown redacted.
 */
import { redactUrl } from '../../config/redact.js';
import type { LabDownResult, LabStatus, LabUpResult, ServiceHealth, StopOutcome } from '../../lab/supervisor/client.js';
import type { LabDemoResult } from '../../lab/supervisor/demo.js';
import type { LabSignals } from '../../lab/supervisor/signals.js';
import type { SeedManifest } from '../../lab/seed/manifest.js';

const SAMPLE_IDS = 3;

const SERVICE_NOTES: Record<ServiceHealth['service'], string> = {
  redis: 'ElastiCache stand-in',
  dynamodb: 'dynalite',
  s3: 's3rver',
  emulator: 'CloudWatch Logs, CloudWatch, ElastiCache; admin API under /_lab/',
};

export function serviceLines(services: readonly ServiceHealth[]): string[] {
  const width = Math.max(...services.map((s) => s.endpoint.length));
  return services.map(
    (s) => `  ${s.service.padEnd(9)}${s.endpoint.padEnd(width + 2)}${s.up ? 'up  ' : 'DOWN'}  ${s.up ? SERVICE_NOTES[s.service] : (s.error ?? '')}`,
  );
}

export function publicEndpoints(e: { redisUrl: string; dynamodb: string; s3: string; emulator: string }) {
  return { ...e, redisUrl: redactUrl(e.redisUrl) };
}

export function upJson(r: LabUpResult): Record<string, unknown> {
  return {
    alreadyRunning: r.alreadyRunning,
    dir: r.paths.dir,
    configPath: r.paths.config,
    statePath: r.paths.state,
    endpoints: publicEndpoints(r.state.endpoints),
    pids: { supervisor: r.state.supervisor.pid, redis: r.state.redis.pid },
    ports: r.state.ports,
    startedAt: r.state.startedAt,
    services: r.health,
  };
}

export function upText(r: LabUpResult): string {
  const s = r.state;
  const head = r.alreadyRunning ? `a lab is already running in ${r.paths.dir}` : `lab up in ${r.paths.dir}`;
  const redis = s.redis.external ? 'an existing Redis (not stopped by lab down)' : `redis-server pid ${String(s.redis.pid)}`;
  return [
    `${head} (supervisor pid ${s.supervisor.pid}, ${redis}, since ${s.startedAt})`,
    ...serviceLines(r.health),
    `config: ${r.paths.config}`,
    `  use it: manga-oncall --config ${r.paths.config} <command>`,
    `seed it: manga-oncall lab seed --dir ${r.paths.dir}`,
  ].join('\n');
}

export function statusJson(s: LabStatus): Record<string, unknown> {
  if (!s.running) return { running: false, dir: s.paths.dir, reason: s.reason, allUp: false, services: [] };
  return {
    running: true,
    dir: s.paths.dir,
    allUp: s.allUp,
    supervisor: { pid: s.state.supervisor.pid, alive: s.supervisorAlive },
    redis: { pid: s.state.redis.pid, external: s.state.redis.external },
    startedAt: s.state.startedAt,
    endpoints: publicEndpoints(s.state.endpoints),
    configPath: s.paths.config,
    services: s.services,
  };
}

export function statusText(s: LabStatus): string {
  if (!s.running) return `no lab is running in ${s.paths.dir} (${s.reason})`;
  const head = s.allUp ? `lab up in ${s.paths.dir}` : `lab in ${s.paths.dir} is PARTLY DOWN`;
  return [
    `${head} (supervisor pid ${s.state.supervisor.pid} ${s.supervisorAlive ? 'running' : 'GONE'}, since ${s.state.startedAt})`,
    ...serviceLines(s.services),
    ...(s.allUp ? [] : [`restart it: manga-oncall lab down --dir ${s.paths.dir} && manga-oncall lab up --dir ${s.paths.dir}`]),
  ].join('\n');
}

export function downJson(d: LabDownResult): Record<string, unknown> {
  if (!d.wasRunning) return { wasRunning: false, dir: d.paths.dir, reason: d.reason, leftovers: [] };
  return { wasRunning: true, dir: d.paths.dir, supervisor: d.supervisor, redis: d.redis, leftovers: d.leftovers };
}

const OUTCOME_WORDS: Record<StopOutcome, string> = {
  terminated: 'stopped',
  killed: 'killed (SIGKILL after the grace period)',
  'not-running': 'already gone',
  survived: 'STILL RUNNING',
};

export function downText(d: LabDownResult): string {
  if (!d.wasRunning) return `${d.reason}: nothing to stop`;
  const parts = [`supervisor pid ${d.supervisor.pid} ${OUTCOME_WORDS[d.supervisor.outcome]}`];
  if (d.redis) parts.push(`redis-server pid ${d.redis.pid} ${OUTCOME_WORDS[d.redis.outcome]}`);
  const head = `lab in ${d.paths.dir} taken down (${parts.join(', ')})`;
  return d.leftovers.length ? [head, 'but these are still there:', ...d.leftovers.map((l) => `  ${l}`)].join('\n') : head;
}

export function manifestLines(m: SeedManifest): string[] {
  const b = m.background;
  const lines = [`  background: ${b.sessions} healthy sessions (${b.turns} turns), ${b.logEvents} log events, ${b.products} products of ${b.series} series`];
  for (const s of m.scenarios) {
    const ids = s.affectedSessions.slice(0, SAMPLE_IDS).join(', ');
    const more = s.affectedSessions.length > SAMPLE_IDS ? ', ...' : '';
    lines.push(`  scenario ${s.scenario} ${s.name}, variant ${s.variant}: ${s.affectedSessions.length} sessions affected (${ids}${more}); expect ${s.expected.rootCauseId}`);
  }
  if (m.scenarios.length === 0) lines.push('  no scenario: a healthy lab, every alarm OK');
  const alarms = Object.entries(m.expectedAlarms).map(([name, state]) => `${name} ${state}`);
  lines.push(`  alarms expected: ${alarms.join(', ')}`);
  return lines;
}

export function seedText(m: SeedManifest, dir: string, manifestPath: string): string {
  return [`seeded the lab in ${dir} (seed ${m.seed}, clock ${new Date(m.now).toISOString()})`, ...manifestLines(m), `manifest: ${manifestPath}`].join('\n');
}

function signalLines(sig: LabSignals): string[] {
  const lines: string[] = [];
  const show = <T>(label: string, part: { ok: true; value: T } | { ok: false; error: string }, render: (v: T) => string) =>
    lines.push(`  ${label}: ${part.ok ? render(part.value) : `unavailable (${part.error})`}`);
  show('alarms', sig.alarms, (v) => v.map((a) => `${a.name} ${a.state}${a.expected && a.expected !== a.state ? ` (expected ${a.expected})` : ''}`).join(', '));
  show('error log events', sig.logEvents, (v) => Object.entries(v).map(([k, n]) => `${k} ${n}`).join(', '));
  show('sessions in Redis', sig.sessions, (v) => `${v.scanned} scanned, ${v.corrupt} corrupt (${Object.entries(v.byStatus).map(([k, n]) => `${k} ${n}`).join(', ')})`);
  show('DynamoDB items', sig.items, (v) => `${v.scanned} scanned, ${v.overLimit} over 400 KB, ${v.nearLimit} near the limit, largest ${v.largestBytes} bytes`);
  return lines;
}

export function demoJson(r: LabDemoResult): Record<string, unknown> {
  return {
    dir: r.dir,
    lab: { pids: { supervisor: r.state.supervisor.pid, redis: r.state.redis.pid }, ports: r.state.ports },
    diagnose: r.diagnosis,
    signals: r.signals,
    seeded: r.manifest.scenarios.map((s) => ({ scenario: s.scenario, name: s.name, variant: s.variant, expected: s.expected, affectedSessions: s.affectedSessions.length })),
    background: r.manifest.background,
    expectedAlarms: r.manifest.expectedAlarms,
    tornDown: r.down.wasRunning && r.down.leftovers.length === 0,
  };
}

export function demoText(r: LabDemoResult): string {
  const lines = [`the demo seeded a lab (taken down again):`, ...manifestLines(r.manifest)];
  if (r.diagnosis.available) {
    const found = r.diagnosis.checks.filter((c) => c.found).length;
    lines.push(`diagnose (status ${r.diagnosis.status ?? '?'}) found ${found} of ${r.diagnosis.checks.length} seeded incidents:`);
    for (const c of r.diagnosis.checks) {
      const said = c.diagnosed.length ? c.diagnosed.join(', ') : 'nothing';
      const sessions = c.diagnosedSessions === null ? '' : ` (${c.diagnosedSessions} of ${c.seededSessions} sessions)`;
      lines.push(`  ${c.found ? 'found ' : 'MISSED'} scenario ${c.scenario} ${c.name}: expected ${c.expectedRootCause}, diagnose said ${said}${sessions}`);
    }
    for (const f of r.diagnosis.failedSources) lines.push(`  source ${f.name} was unavailable: ${f.error}`);
  } else {
    lines.push('diagnose is not available in this build yet; what the seeded lab showed:', ...signalLines(r.signals as LabSignals));
  }
  return lines.join('\n');
}
