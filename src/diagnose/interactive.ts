import { oneLine, PLAIN, type Palette, type WalkResult, type WalkStep } from '../runbooks/index.js';
import type { Diagnosis } from './engine.js';
import { headline, renderFinding } from './render-text.js';
import type { DiagnoseResult, Finding, Remediation } from './types.js';

/**
 * A question to the engineer. Every question has a default answer, which is what a host that
 * cannot ask (no TTY) answers; for a question that leads to a write, the default declines.
 */
export interface Prompter {
  select<T extends string>(message: string, choices: readonly { name: string; value: T; description?: string }[], defaultValue: T): Promise<T>;
}

export interface InteractiveHost {
  prompter: Prompter;
  /** Where the walk is shown (stdout). */
  out(text: string): void;
  palette?: Palette;
  /**
   * Runs a remediation through `fix`, which asks its own confirmation before any write.
   * Resolves false when `fix` is not available, and the command is then only printed.
   */
  runFix?(finding: Finding, remediation: Remediation): Promise<boolean>;
}

const SKIP = '__skip__';
const NONE = '__none__';

function stepLines(steps: readonly WalkStep[], labels: ReadonlyMap<string, string>, p: Palette): string[] {
  return steps.map((s) => {
    const label = labels.get(s.node) ?? s.node;
    const a = s.answer;
    if (!a) return `  ${p.id(s.node.padEnd(2))} ${label}`;
    const answer = a.status === 'answered' ? p.decision(a.outcome) + (s.answeredBy === 'engineer' ? p.dim(' (your answer)') : '') : p.exit('no answer');
    const why = a.evidence.map((e) => e.summary).join('; ') || (a.status === 'unknown' ? (a.error ?? '') : '');
    return `  ${p.id(s.node.padEnd(2))} ${label} ${p.dim('→')} ${answer}${why ? `\n       ${p.dim(why)}` : ''}`;
  });
}

function ending(w: WalkResult): string {
  switch (w.status) {
    case 'root_cause':
      return `ROOT CAUSE: ${w.rootCause.title}`;
    case 'exit':
      return `${w.reason}`;
    case 'unknown':
      return `stopped: "${oneLine(w.question.text)}" could not be answered${w.error ? ` (${w.error})` : ''}`;
    case 'no_branch':
      return `stopped: "${oneLine(w.question.text)}" answered ${w.outcome}, which no branch takes`;
    case 'scenario':
      return `handed over to ${w.target}`;
  }
}

/**
 * The interactive diagnosis (a terminal without --json): each walked flowchart is shown step
 * by step with its evidence; where a probe could not answer, the engineer is asked the
 * flowchart's own question with its edge labels as choices (default: leave it open) and the
 * walk resumes from the answer; at the end the remediations are offered (default: none), and
 * the chosen one runs through `fix`. Returns the final result.
 */
export async function walkInteractively(d: Diagnosis, host: InteractiveHost): Promise<DiagnoseResult> {
  const p = host.palette ?? PLAIN;
  let result = d.result;
  host.out(headline(result, p));
  for (const check of result.scenarios) {
    const w = d.walkOf(check.runbook);
    const rb = d.runbooks.runbook(check.runbook);
    if (!w || !rb) continue;
    const labels = new Map(rb.nodes.map((n) => [n.id, oneLine(n.label)]));
    host.out(`\n${p.heading(`Scenario ${rb.scenario}: ${rb.title}`)} ${p.dim(`(${check.selectedBy === 'signal' ? `signals ${check.signals.join(', ')}` : check.selectedBy === 'flag' ? '--scenario' : 'its signals could not be checked'})`)}`);
    host.out(stepLines(w.steps, labels, p).join('\n'));
    host.out(`  ${p.rootCause(ending(w))}`);
    if (check.result !== 'unknown' && check.result !== 'unexplained') continue;
    if (w.status !== 'unknown' && w.status !== 'no_branch') continue;
    const q = w.question;
    const answer = await host.prompter.select(
      `${rb.id} ${q.node}: ${oneLine(q.text)}?${w.status === 'unknown' && w.error ? ` (the probe could not answer: ${w.error})` : ''}`,
      [...q.choices.map((c) => ({ name: oneLine(c.label), value: c.outcomes[0] ?? SKIP })), { name: 'leave it open (the verdict stays inconclusive)', value: SKIP }],
      SKIP,
    );
    if (answer === SKIP) continue;
    result = await d.resume(rb.id, answer);
    const resumed = d.walkOf(rb.id);
    if (resumed) {
      host.out(stepLines(resumed.steps.slice(w.steps.length - 1), labels, p).join('\n'));
      host.out(`  ${p.rootCause(ending(resumed))}`);
    }
  }
  host.out('');
  for (const f of result.findings) host.out(`${renderFinding(f, p).join('\n')}\n`);
  host.out(headline(result, p));
  const offers = result.findings.flatMap((f) => f.remediations.map((r) => ({ f, r })));
  if (offers.length === 0) return result;
  const pick = await host.prompter.select(
    'Run a remediation now? (fix shows its plan and asks before it writes)',
    [...offers.map((o, i) => ({ name: `scenario ${o.f.scenario}: ${o.r.action}`, value: String(i), description: o.r.note })), { name: 'none: just show the commands', value: NONE }],
    NONE,
  );
  if (pick === NONE) return result;
  const chosen = offers[Number(pick)];
  if (!chosen) return result;
  const ran = host.runFix ? await host.runFix(chosen.f, chosen.r) : false;
  if (!ran) host.out(`fix is not available in this build; run:\n  $ ${chosen.r.command}`);
  return result;
}
