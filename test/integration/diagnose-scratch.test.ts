import { afterAll, beforeAll, it } from 'vitest';
import { diagnose } from '../../src/diagnose/engine.js';
import { windowFor } from '../../src/diagnose/window.js';
import { startTestLab, type TestLab } from './diagnose-lab.js';

let lab: TestLab;
beforeAll(async () => {
  lab = await startTestLab();
});
afterAll(async () => lab?.stop());

it('scratch', async () => {
  await lab.seed({ scenarios: 'all', sessions: 200 });
  const t = Date.now();
  const d = await diagnose({ config: { ...lab.config, timeoutMs: 30_000 }, window: windowFor('30m') });
  console.log('diagnose ms', Date.now() - t);
  const r = d.result;
  console.log(JSON.stringify({ status: r.status, signals: r.signals, sources: r.sources, errors: r.errors, timeline: r.timeline }, null, 1));
  for (const f of r.findings) console.log(f.scenario, f.rootCause.id, f.path.join(','), f.affectedSessions.count, f.evidence.map((e) => `${e.node}: ${e.summary}`).join('\n   '), f.remediations.map((x) => x.command));
});
