import type { Command } from 'commander';
import type { Runner } from '../program.js';
import type { CliContext } from '../context.js';
import { EXIT, ExitError } from '../exit-codes.js';

/**
 * `runbook list` and `runbook show <id> [--mermaid]`. Registration imports nothing heavy:
 * the runbooks module and chalk load inside the actions.
 */
export function registerRunbook(program: Command, run: Runner): void {
  const runbook = program.command('runbook').description('the runbooks: detection flowcharts, remediations, prevention');

  runbook
    .command('list')
    .description('list the five scenario runbooks and the cross-scenario tree')
    .action(async (_opts, cmd: Command) => {
      await run(cmd, 'runbook list', async () => {
        const { loadRunbookSet } = await import('../../runbooks/index.js');
        const set = loadRunbookSet();
        const rows = set.runbooks.map((rb) => ({
          id: rb.id,
          scenario: rb.scenario,
          slug: rb.slug,
          title: rb.title,
          severity: rb.severity,
          owner: rb.summary.owner,
        }));
        const table = [
          ['ID', 'SCENARIO', 'SEVERITY', 'OWNER', 'SLUG', 'TITLE'],
          ...rows.map((r) => [r.id, String(r.scenario), r.severity, r.owner, r.slug, r.title]),
          ['tree', '-', '-', '-', 'tree', set.tree.title],
        ];
        return {
          exitCode: EXIT.OK,
          json: { runbooks: rows, tree: { id: set.tree.id, title: set.tree.title } },
          text: columns(table),
        };
      });
    });

  runbook
    .command('show <id>')
    .description('draw a runbook: its flowchart, remediations, summary and prevention (id: 1..5, s1..s5, a slug, or tree)')
    .option('--mermaid', 'print the flowchart as mermaid "flowchart TD" instead')
    .action(async (ref: string, opts: { mermaid?: boolean }, cmd: Command) => {
      await run(cmd, 'runbook show', async (ctx) => {
        const rb = await import('../../runbooks/index.js');
        const set = rb.loadRunbookSet();
        const doc = set.find(ref);
        if (!doc) {
          throw new ExitError(
            EXIT.USAGE,
            'UNKNOWN_RUNBOOK',
            `unknown runbook ${JSON.stringify(ref)}; valid ids: ${set.refs().join(', ')}`,
            'run `manga-oncall runbook list` to see them',
          );
        }
        if (opts.mermaid) {
          const mermaid = rb.toMermaid(doc);
          return { exitCode: EXIT.OK, json: { runbook: doc.id, mermaid }, text: mermaid };
        }
        return {
          exitCode: EXIT.OK,
          json: { runbook: doc, probes: rb.probesOf(doc) },
          text: rb.describeDocument(doc, set, await palette(ctx)),
        };
      });
    });
}

/** Chalk only when the I/O host says colour is on (--no-color, NO_COLOR and pipes turn it off). */
async function palette(ctx: CliContext) {
  const { PLAIN } = await import('../../runbooks/index.js');
  if (!ctx.io.color) return PLAIN;
  const { Chalk, default: detected } = await import('chalk');
  const c = new Chalk({ level: detected.level > 0 ? detected.level : 1 });
  return {
    id: (s: string) => c.bold(s),
    decision: (s: string) => c.cyan(s),
    rootCause: (s: string) => c.red.bold(s),
    exit: (s: string) => c.yellow(s),
    edge: (s: string) => c.green(s),
    dim: (s: string) => c.dim(s),
    heading: (s: string) => c.bold.underline(s),
  };
}

/** Left-aligned columns, two spaces apart; the last column is not padded. */
function columns(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows.map((r) => r.map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i]!))).join('  ')).join('\n');
}
