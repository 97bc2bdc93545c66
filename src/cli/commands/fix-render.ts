/**
 * Text renderings of fix, fleet, undo, audit and inspect results. Numbers and keys only;
 * message content appears only in `inspect`'s recent turns, already masked unless revealed.
 */
import type { AuditEntry } from '../../actions/audit/record.js';
import type { FleetPlanSummary, FleetResult } from '../../actions/fleet/run.js';
import type { RemediationOutcome } from '../../actions/runner.js';
import type { ActionPlan, KeyFacts } from '../../actions/types.js';
import type { UndoOutcome } from '../../actions/undo.js';
import type { SessionView } from '../../probes/session/types.js';

const n = (x: number) => x.toLocaleString('en-US');
const ttl = (ms: number | null) => (ms === null ? '' : ms === -1 ? ', no expiry' : ms >= 0 ? `, TTL ${Math.round(ms / 1000)} s` : '');

function facts(f: KeyFacts | null): string {
  if (!f) return '(none)';
  const entries = f.entries !== undefined ? `${n(f.entries)} ${f.type === 'list' ? 'entries' : 'turns'}, ` : '';
  return `${f.type} ${entries}${n(f.bytes)} B${ttl(f.ttlMs)}`;
}

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join('  ')).join('\n');
}

/** The plan as a data diff. */
export function renderPlan(plan: ActionPlan): string {
  const lines = [`${plan.action} on session ${plan.sessionId}: ${plan.summary}`];
  const d = plan.diff;
  if (d.entries.length) lines.push('', table([['  STORE', 'KEY', 'CHANGE', 'BEFORE', 'AFTER'], ...d.entries.map((e) => [`  ${e.store}`, e.key, e.change, facts(e.before), facts(e.after)])]));
  if (d.turns) lines.push('', `  turns: ${n(d.turns.before)} -> ${n(d.turns.after)}`);
  if (d.item) {
    lines.push(`  item size (DynamoDB's rules): ${n(d.item.bytesBefore)} B -> ${n(d.item.bytesAfter)} B; headroom under ${n(d.item.limitBytes)} B: ${n(d.item.headroomBefore)} B -> ${n(d.item.headroomAfter)} B`);
  }
  if (d.written.length || d.deleted.length) lines.push(`  writes ${d.written.length} key(s), deletes ${d.deleted.length}; what they hold now is kept first (${plan.action === 'compact' || plan.action === 'overflow' || plan.action === 'flag-review' ? 'item pre-image in S3' : 'Redis quarantine record, 7 days'})`);
  return lines.join('\n');
}

export function renderOutcome(o: RemediationOutcome): string {
  const lines: string[] = [];
  if (o.status === 'planned') lines.push(renderPlan(o.plan), '', 'dry run: nothing was written');
  else if (o.status === 'already-applied') lines.push(`${o.plan.action} on session ${o.plan.sessionId}: already applied (${o.plan.summary}); nothing was written`);
  else if (o.status === 'applied' || o.status === 'verify-failed') {
    lines.push(`${o.status === 'applied' ? 'applied and verified' : 'APPLIED BUT NOT VERIFIED'}: ${o.plan.action} on session ${o.plan.sessionId} (audit ${o.auditId})`);
    for (const c of o.verification?.checks ?? []) lines.push(`  ${c.ok ? 'ok  ' : 'FAIL'} ${c.name}: ${c.detail}`);
    const pre = o.applied?.preImage;
    if (pre?.quarantineKey) lines.push(`  pre-image: ${pre.quarantineKey}`);
    if (pre?.s3Key) lines.push(`  pre-image: s3 ${pre.s3Key}`);
    lines.push(`  undo with: manga-oncall undo ${o.auditId}`);
  }
  return lines.join('\n');
}

export function renderFleetPlan(p: FleetPlanSummary): string {
  const planned = Object.entries(p.planned);
  const lines = [`examined ${n(p.examined)} session(s): ${n(p.affected)} affected, ${n(p.healthy)} healthy`];
  if (planned.length) lines.push(table([['  ACTION', 'SESSIONS'], ...planned.map(([a, c]) => [`  ${a}`, n(c ?? 0)])]));
  if (p.skipped) lines.push(`  already applied: ${n(p.skipped)}`);
  for (const r of p.refusals) lines.push(`  refused ${r.action} x${n(r.count)}: ${r.reason} (e.g. ${r.sample.slice(0, 3).join(', ')})`);
  return lines.join('\n');
}

export function renderFleetResult(r: FleetResult): string {
  const lines = [renderFleetPlan(r.plan)];
  if (r.status === 'planned') return [...lines, '', 'dry run: nothing was written'].join('\n');
  lines.push('', `run ${r.runId ?? '-'}${r.resumed ? ' (resumed)' : ''}: ${r.status}`);
  lines.push(`  applied ${n(r.outcomes.applied)}, skipped ${n(r.outcomes.skipped)}, refused ${n(r.outcomes.refused)}, failed ${n(r.outcomes.failed)}`);
  for (const [a, c] of Object.entries(r.byAction)) if (c) lines.push(`  ${a}: applied ${n(c.applied)}, skipped ${n(c.skipped)}, refused ${n(c.refused)}, failed ${n(c.failed)}`);
  if (r.reconciled) lines.push(`  settled from the interrupted run: ${n(r.reconciled.committed)} committed, ${n(r.reconciled.notCommitted)} never written (planned again)`);
  for (const f of r.failures.slice(0, 10)) lines.push(`  failed ${f.action} ${f.sessionId}: ${f.code} ${f.message}`);
  if (r.journal) lines.push(`  journal: ${r.journal}`);
  return lines.join('\n');
}

export function renderUndo(o: UndoOutcome): string {
  if (!o.entry) return '';
  const head = `${o.entry.action} of ${o.entry.id} on session ${o.entry.session}`;
  if (o.status === 'planned') return `undo ${head}: would write ${o.result?.keysWritten.join(', ') || 'nothing'}, delete ${o.result?.keysDeleted.join(', ') || 'nothing'}\ndry run: nothing was written`;
  if (o.status === 'nothing-to-undo' || o.status === 'already-restored') return `undo ${head}: ${o.error?.message ?? 'already restored'}; nothing was written`;
  if (o.status !== 'restored' && o.status !== 'verify-failed') return '';
  const lines = [`${o.status === 'restored' ? 'restored' : 'RESTORED BUT NOT VERIFIED'}: ${head} (audit ${o.undoAuditId})`];
  for (const c of o.result?.verification.checks ?? []) lines.push(`  ${c.ok ? 'ok  ' : 'FAIL'} ${c.name}: ${c.detail}`);
  if (o.result?.preImage.quarantineKey) lines.push(`  what the undo replaced: ${o.result.preImage.quarantineKey}`);
  if (o.result?.preImage.s3Key) lines.push(`  what the undo replaced: s3 ${o.result.preImage.s3Key}`);
  return lines.join('\n');
}

export function renderAudit(entries: readonly AuditEntry[], path: string): string {
  if (entries.length === 0) return `no changes recorded in ${path} in that window`;
  const who = (e: AuditEntry) => e.actor.osUser + (e.actor.aws && 'arn' in e.actor.aws ? ` (${e.actor.aws.arn})` : '');
  const pre = (e: AuditEntry) => e.preImage.quarantineKey ?? (e.preImage.s3Key ? `s3:${e.preImage.s3Key}` : (e.preImage.quarantinePattern ?? '-'));
  return table([
    ['TIME', 'ID', 'KIND', 'ACTION', 'SESSION', 'RESULT', 'ACTOR', 'PRE-IMAGE'],
    ...entries.map((e) => [e.time.replace('T', ' ').slice(0, 19), e.id, e.kind === 'undo' ? `undo ${e.undoOf}` : 'fix', e.action, e.session, e.result + (e.undoneBy ? ` (undone by ${e.undoneBy})` : ''), who(e), pre(e)]),
  ]);
}

export function renderSessionView(v: SessionView, verdict: string): string {
  const lines = [`session ${v.sessionId}: ${verdict}`, `  authoritative copy: ${v.authoritative.copy} (${v.authoritative.reason})`];
  const r = v.redis;
  lines.push('', 'redis');
  if (r.error) lines.push(`  unavailable: ${r.error}`);
  else {
    lines.push(`  verdict: ${r.status ?? '-'}${r.summary ? ` (${r.summary})` : ''}`);
    if (r.turns) lines.push(`  turns: ${r.turns.type}, ${n(r.turns.entries)} entries (${n(r.turns.valid)} valid, ${n(r.turns.invalid)} invalid)${ttl(r.turns.ttlMs)}${r.turns.lastTs ? `, newest ${r.turns.lastTs}` : ''}`);
    if (r.backup) lines.push(`  backup: ${r.backup.health}, ${n(r.backup.turns)} turns, ${n(r.backup.bytes)} B${ttl(r.backup.ttlMs)}`);
    if (r.routes) lines.push(`  routes: ${r.routes.count} (${r.routes.agents.join(' -> ')}); ${r.routes.loop ? 'LOOP: ' : ''}${r.routes.explanation}`);
    lines.push(`  pin: ${r.pin ?? 'none'}; state: ${r.state?.exists ? `version ${r.state.version ?? '?'}` : 'none'}`);
    if (r.lock) lines.push(`  lock: ${r.lock.status}${r.lock.remainingMs !== null ? `, ${n(r.lock.remainingMs)} ms left` : ''}${r.lock.holder ? `, held by ${r.lock.holder.host} pid ${r.lock.holder.pid} since ${r.lock.holder.acquiredAt}` : ''}`);
  }
  const d = v.dynamodb;
  lines.push('', 'dynamodb');
  if (d.error) lines.push(`  unavailable: ${d.error}`);
  else if (!d.exists) lines.push('  no item');
  else lines.push(`  item: ${n(d.storedTurns ?? 0)} turns stored, turn_count ${n(d.turnCount ?? 0)}, compacted ${n(d.compactedTurnCount ?? 0)}; ${n(d.sizeBytes ?? 0)} B by DynamoDB's rules, headroom ${n(d.headroomBytes ?? 0)} B under ${n(d.limitBytes ?? 0)} B`);
  if (v.s3) lines.push('', 's3', v.s3.error ? `  ${v.s3.key}: ${v.s3.error}` : `  ${v.s3.key}: ${n(v.s3.turns ?? 0)} turns; history joined with the item: ${n(v.s3.historyTurns ?? 0)} turns`);
  lines.push('', 'logs');
  if (v.logs.error) lines.push(`  unavailable: ${v.logs.error}`);
  else lines.push(`  ${n(v.logs.events?.length ?? 0)} event(s)${v.logs.counts && Object.keys(v.logs.counts).length ? `: ${Object.entries(v.logs.counts).map(([k, c]) => `${k} ${c}`).join(', ')}` : ''}`);
  if (v.problems.length) {
    lines.push('', 'problems');
    for (const p of v.problems) lines.push(`  scenario ${p.scenario}: ${p.what}${p.action ? ` -> fix session ${v.sessionId} --action ${p.action}` : ''}`);
  }
  if (v.recentTurns.length) {
    lines.push('', 'recent turns');
    for (const t of v.recentTurns) lines.push(`  #${t.index} ${t.ts ?? ''} ${t.role}${t.agent ? ` (${t.agent})` : ''}: ${t.content}`);
  }
  return lines.join('\n');
}
