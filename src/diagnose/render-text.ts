import type { SessionView } from '../probes/session/types.js';
import { PLAIN, type Palette } from '../runbooks/index.js';
import type { DiagnoseResult, Finding, ScenarioCheck, SourceReport } from './types.js';

/**
 * The terminal rendering of a diagnosis: findings first (what to do now), then the other
 * scenarios, the sources and the errors. Colour comes from a palette the CLI builds only when
 * colour is on; this module knows no terminal library.
 */
export function renderDiagnosis(r: DiagnoseResult, p: Palette = PLAIN): string {
  const lines: string[] = [headline(r, p), ''];
  if (r.session) lines.push(...renderSession(r.session, p), '');
  r.findings.forEach((f) => lines.push(...renderFinding(f, p), ''));
  const rest = r.scenarios.filter((c) => c.result !== 'finding');
  if (rest.length) {
    lines.push(p.heading('Other scenarios'));
    for (const c of rest) lines.push(`  ${p.id(c.runbook)}  ${resultLabel(c, p)}  ${c.summary}`);
    lines.push('');
  }
  lines.push(p.heading('Sources'), ...r.sources.map((s) => `  ${sourceLine(s, p)}`));
  const engine = r.errors.filter((e) => e.source === 'engine');
  if (engine.length) lines.push('', p.heading('Errors'), ...engine.map((e) => `  ${p.exit(e.code)} ${e.message}${e.hint ? `\n    ${p.dim(e.hint)}` : ''}`));
  return lines.join('\n');
}

export function headline(r: DiagnoseResult, p: Palette = PLAIN): string {
  const status =
    r.status === 'incident'
      ? p.rootCause(`INCIDENT: ${r.findings.length} finding${r.findings.length === 1 ? '' : 's'}`)
      : r.status === 'inconclusive'
        ? p.exit('INCONCLUSIVE: a source the verdict needs did not answer')
        : p.edge('HEALTHY: no incident found');
  const window = `${r.window.start.slice(11, 19)}Z-${r.window.end.slice(11, 19)}Z (${r.window.since})`;
  return `${status}  ${p.dim(`window ${window}, ${(r.durationMs / 1000).toFixed(1)} s`)}`;
}

function resultLabel(c: ScenarioCheck, p: Palette): string {
  const label = c.result.replace('_', ' ');
  if (c.result === 'unknown' || c.result === 'unexplained') return p.exit(label);
  if (c.result === 'dismissed') return p.edge(label);
  return p.dim(label);
}

export function renderFinding(f: Finding, p: Palette = PLAIN): string[] {
  const head = `${p.rootCause(f.severity)}  ${p.heading(`Scenario ${f.scenario}: ${f.title}`)}`;
  const cause = f.verdict === 'root-cause' ? `ROOT CAUSE: ${f.rootCause.title}` : `HAND-OFF: ${f.rootCause.title}`;
  const lines = [head, `    ${p.rootCause(cause)}  ${p.dim(`[${f.rootCause.id}]`)}`, `    ${p.dim('path')} ${f.path.join(' → ')}`];
  for (const e of f.evidence) {
    const outcome = e.outcome ? `${p.decision(e.outcome)}${e.answeredBy === 'engineer' ? p.dim(' (by hand)') : ''}: ` : '';
    lines.push(`    ${p.id(e.node.padEnd(2))} ${outcome}${e.summary}`);
  }
  if (f.handoff) lines.push(`    ${p.exit('why')} ${f.handoff.reason}`);
  if (f.affectedSessions.count > 0) {
    const more = f.affectedSessions.count > f.affectedSessions.sample.length ? ', ...' : '';
    lines.push(`    ${p.dim('affected')} ${f.affectedSessions.count} session${f.affectedSessions.count === 1 ? '' : 's'}: ${f.affectedSessions.sample.join(', ')}${more}`);
  }
  if (f.remediations.length) {
    lines.push(`    ${p.dim('fix (in this order: the first whose precondition holds)')}`);
    for (const r of f.remediations) lines.push(`      $ ${p.edge(r.command)}${r.writes ? p.dim('  (writes)') : ''}`, `        ${p.dim(r.note)}`);
  }
  return lines;
}

function sourceLine(s: SourceReport, p: Palette): string {
  const state = s.status === 'ok' ? p.edge('ok') : p.exit('error');
  return `${s.name.padEnd(12)}${state}  ${String(s.latencyMs).padStart(6)} ms  ${s.queries} quer${s.queries === 1 ? 'y' : 'ies'}${s.error ? `\n      ${s.error.message}\n      ${p.dim(s.error.hint)}` : ''}`;
}

/** The one-conversation view of `--session`. */
export function renderSession(v: SessionView, p: Palette = PLAIN): string[] {
  const lines = [p.heading(`Session ${v.sessionId}`), `  ${p.dim('authoritative')} ${v.authoritative.copy}: ${v.authoritative.reason}`];
  const r = v.redis;
  if (r.error) lines.push(`  redis     ${p.exit('unreadable')}: ${r.error}`);
  else {
    lines.push(`  redis     ${r.status ?? '?'}: ${r.summary ?? ''}${r.backup ? `; backup ${r.backup.health} (${r.backup.turns} turns)` : '; no backup'}`);
    if (r.routes) lines.push(`            routes ${r.routes.count}: ${r.routes.agents.join(' → ')}${r.routes.loop ? p.exit(' (loop)') : ''}`);
    if (r.pin) lines.push(`            pinned to ${r.pin}`);
    if (r.lock && r.lock.status !== 'absent') lines.push(`            lock ${r.lock.status}${r.lock.remainingMs !== null ? ` (${Math.round(r.lock.remainingMs / 1000)} s left)` : ''}${r.lock.holder ? ` held by ${r.lock.holder.host} pid ${r.lock.holder.pid}` : ''}`);
  }
  const d = v.dynamodb;
  if (d.error) lines.push(`  dynamodb  ${p.exit('unreadable')}: ${d.error}`);
  else if (!d.exists) lines.push('  dynamodb  no item');
  else lines.push(`  dynamodb  ${d.storedTurns} turns in the item (turn_count ${d.turnCount}), ${((d.sizeBytes ?? 0) / 1024).toFixed(1)} KB of 400 KB (headroom ${((d.headroomBytes ?? 0) / 1024).toFixed(1)} KB)`);
  if (v.s3) lines.push(`  s3        ${v.s3.key}: ${v.s3.error ? p.exit(v.s3.error) : `${v.s3.turns} turns; whole history ${v.s3.historyTurns ?? '?'} turns`}`);
  if (v.logs.error) lines.push(`  logs      ${p.exit('unreadable')}: ${v.logs.error}`);
  else lines.push(`  logs      ${Object.entries(v.logs.counts ?? {}).map(([e, n]) => `${e} ${n}`).join(', ') || 'no events in the window'}`);
  for (const pr of v.problems) lines.push(`  ${p.exit(`scenario ${pr.scenario}`)} ${pr.what}${pr.action ? ` → ${p.edge(`fix session ${v.sessionId} --action ${pr.action}`)}` : ''}`);
  if (v.recentTurns.length) {
    lines.push(`  ${p.dim(`last ${v.recentTurns.length} turns of ${v.authoritative.copy}`)}`);
    for (const t of v.recentTurns) lines.push(`    #${t.index} ${t.role}${t.agent ? ` (${t.agent})` : ''} ${p.dim(t.ts ?? '')} ${t.content}`);
  }
  return lines;
}
