import type { DoctorCheck } from '../types.js';
import { loadSdk } from '../../core/aws-sdk.js';

/**
 * CloudWatch: DescribeAlarms of the four alarms the flowcharts start from. Names that are
 * not found are a warning: the rights are fine, but diagnose would miss those signals.
 */
export const cloudwatchCheck: DoctorCheck = {
  id: 'cloudwatch',
  source: 'cloudwatch',
  name: () => 'CloudWatch alarms',
  load: () => Promise.all([import('../../sources/cloudwatch.js'), loadSdk('@aws-sdk/client-cloudwatch'), import('@smithy/node-http-handler')]),
  async run({ config, timeoutMs }) {
    const { CloudWatchSource } = await import('../../sources/cloudwatch.js');
    const cw = new CloudWatchSource(config, { timeoutMs });
    try {
      const names = Object.values(config.names.alarms);
      const found = await cw.describeAlarms(names);
      const states = new Map(found.map((a) => [a.name, a.state]));
      const missing = names.filter((n) => !states.has(n));
      const listed = names.filter((n) => states.has(n)).map((n) => `${n}=${states.get(n)}`);
      return [
        {
          id: 'cloudwatch',
          source: 'cloudwatch',
          name: 'CloudWatch alarms',
          status: missing.length ? 'warn' : 'ok',
          detail: [listed.length ? listed.join(', ') : '', missing.length ? `not found: ${missing.join(', ')}` : ''].filter(Boolean).join('; '),
          ...(missing.length ? { fix: `check names.alarms.* in the config and --region: diagnose reads these alarms first` } : {}),
        },
      ];
    } finally {
      cw.close();
    }
  },
};
