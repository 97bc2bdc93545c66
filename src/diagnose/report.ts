import { maskContent } from '../core/mask.js';
import { toMermaid, type RunbookSet } from '../runbooks/index.js';
import type { DiagnoseResult, Finding } from './types.js';

/** Markdown table cell: no pipe or newline breaks the row. */
const cell = (s: string | number) => String(s).replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');

/**
 * The incident report (`diagnose --report incident.md`) for the handoff and the postmortem:
 * the verdict, a timeline of signals, each finding with its flowchart in mermaid (the path
 * taken highlighted), the evidence at each decision, the affected sessions and the commands
 * to run; then the scenarios ruled out and the sources asked. Message content is never in it:
 * when the terminal was allowed to show it (`contentRevealed`), the session view is masked here.
 */
export function renderReport(r: DiagnoseResult, runbooks: RunbookSet, opts: { generatedAt?: Date; contentRevealed?: boolean } = {}): string {
  const at = (opts.generatedAt ?? new Date()).toISOString();
  const out: string[] = [
    `# MangaAssist incident report: ${r.status}`,
    '',
    `- **Status:** ${r.status} (exit ${r.exitCode})`,
    `- **Window:** ${r.window.start} to ${r.window.end} (${r.window.since})`,
    `- **Generated:** ${at} by \`manga-oncall diagnose\` in ${(r.durationMs / 1000).toFixed(1)} s`,
    `- **Signals:** ${r.signals.length ? r.signals.map((s) => `\`${s}\``).join(', ') : 'none'}${r.uncheckedSignals.length ? ` (unchecked: ${r.uncheckedSignals.map((s) => `\`${s}\``).join(', ')})` : ''}`,
    '',
    '## Summary',
    '',
  ];
  if (r.findings.length === 0) out.push(r.status === 'healthy' ? 'No incident found.' : 'No finding, but the verdict is incomplete: see Scenarios and Sources.', '');
  else {
    out.push('| Severity | Scenario | Root cause | Affected sessions |', '|---|---|---|---|');
    for (const f of r.findings) out.push(`| ${f.severity} | ${f.scenario}: ${cell(f.title)} | ${cell(f.rootCause.title)} (\`${f.rootCause.id}\`) | ${f.affectedSessions.count} |`);
    out.push('');
  }
  out.push('## Timeline', '');
  if (r.timeline.length === 0) out.push('No signal in the window.', '');
  else {
    out.push('| Time (UTC) | Source | Signal |', '|---|---|---|');
    for (const t of r.timeline) out.push(`| ${t.at.replace('T', ' ').replace('Z', '')} | ${t.source} | ${cell(t.what)} |`);
    out.push('');
  }
  r.findings.forEach((f, i) => out.push(...findingSection(f, i + 1, runbooks)));
  if (r.session) {
    const masked = opts.contentRevealed ? maskContent(r.session) : r.session;
    out.push(`## Session ${masked.sessionId}`, '', `Authoritative copy: **${masked.authoritative.copy}** (${masked.authoritative.reason}).`, '');
    for (const p of masked.problems) out.push(`- Scenario ${p.scenario}: ${p.what}${p.action ? ` (\`manga-oncall fix session ${masked.sessionId} --action ${p.action}\`)` : ''}`);
    out.push('', '```json', JSON.stringify({ redis: masked.redis, dynamodb: masked.dynamodb, s3: masked.s3, recentTurns: masked.recentTurns }, null, 2), '```', '');
  }
  out.push('## Scenarios', '', '| Runbook | Walked because | Result | Path | Why |', '|---|---|---|---|---|');
  for (const c of r.scenarios) out.push(`| ${c.runbook} | ${c.selectedBy} | ${c.result} | ${c.path.join(' → ')} | ${cell(c.summary)} |`);
  out.push('', '## Sources', '', '| Source | Status | Latency | Queries | Error |', '|---|---|---|---|---|');
  for (const s of r.sources) out.push(`| ${s.name} | ${s.status} | ${s.latencyMs} ms | ${s.queries} | ${s.error ? cell(`${s.error.message}; ${s.error.hint}`) : ''} |`);
  if (r.errors.length) {
    out.push('', '## Errors', '');
    for (const e of r.errors) out.push(`- \`${e.code}\` (${e.source}): ${e.message}${e.hint ? `. ${e.hint}` : ''}`);
  }
  return `${out.join('\n')}\n`;
}

function findingSection(f: Finding, n: number, runbooks: RunbookSet): string[] {
  const rb = runbooks.runbook(f.runbook);
  const out = [`## Finding ${n}: ${f.severity}, scenario ${f.scenario}: ${f.title}`, '', `**${f.verdict === 'root-cause' ? 'Root cause' : 'Hand-off'}:** ${f.rootCause.title} (\`${f.rootCause.id}\`)`, ''];
  if (f.handoff) out.push(`${f.handoff.reason}${f.handoff.runbook ? ` (see runbook ${f.handoff.runbook})` : ''}.`, '');
  if (rb) out.push('### Flowchart (path taken highlighted)', '', '```mermaid', toMermaid(rb, { highlightPath: f.path }), '```', '');
  out.push('### Evidence', '');
  for (const e of f.evidence) {
    const label = rb?.nodes.find((x) => x.id === e.node)?.label.replace(/\s*\n\s*/g, ' ') ?? e.node;
    out.push(`- **${e.node}** ${label}${e.outcome ? `: **${e.outcome}**${e.answeredBy === 'engineer' ? ' (answered by hand)' : ''}` : ''}. ${e.summary}${e.query ? `\n  - query: \`${e.query.replace(/`/g, "'")}\`` : ''}`);
  }
  out.push('', '### Affected sessions', '');
  out.push(f.affectedSessions.count === 0 ? 'None named.' : `${f.affectedSessions.count}, for example: ${f.affectedSessions.sample.map((s) => `\`${s}\``).join(', ')}`, '');
  if (f.remediations.length) {
    out.push('### Commands to run', '', 'In this order: each re-checks its precondition and is refused where it does not apply; writes ask for confirmation.', '', '```sh');
    for (const r of f.remediations) out.push(`# ${r.action}${r.writes ? ' (writes)' : ''}: ${r.note}`, r.command);
    out.push('```', '');
  }
  return out;
}
