import { it } from 'vitest';
import { seedLab } from '../../src/lab/seed/index.js';
import { startTestLab } from './lab-seed-env.js';
it('time', async () => {
  const NOW = Date.now();
  const lab = await startTestLab(() => NOW + 2000);
  for (let i = 0; i < 2; i++) { const t = performance.now(); await seedLab(lab.endpoints, { scenarios: 'all', now: NOW }); console.log('seed 1000 ms', Math.round(performance.now() - t)); }
  await lab.stop();
}, 120000);
