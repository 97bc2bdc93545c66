import type { Command } from 'commander';
import type { Runner } from '../program.js';
import { EXIT } from '../exit-codes.js';

export function registerConfig(program: Command, run: Runner): void {
  const config = program.command('config').description('the effective configuration');
  config
    .command('show')
    .description('print the effective configuration (flags > environment > file > defaults), secrets redacted')
    .action(async (_opts, cmd: Command) => {
      await run(cmd, 'config show', async (ctx) => {
        const { redactConfig } = await import('../../config/redact.js');
        const loaded = ctx.config();
        const effective = redactConfig(loaded.config);
        const lines = [`# file: ${loaded.file ?? '(none)'}`];
        const walk = (obj: unknown, prefix: string) => {
          if (typeof obj === 'object' && obj !== null && !Array.isArray(obj)) {
            for (const [k, v] of Object.entries(obj)) walk(v, prefix ? `${prefix}.${k}` : k);
          } else {
            const src = loaded.provenance[prefix] ?? 'default';
            lines.push(`${prefix} = ${JSON.stringify(obj)}  (${src})`);
          }
        };
        walk(effective, '');
        return {
          exitCode: EXIT.OK,
          json: { file: loaded.file ?? null, config: effective, provenance: loaded.provenance },
          text: lines.join('\n'),
        };
      });
    });
}
