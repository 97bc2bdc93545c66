import { profileContext } from '../../sources/aws-config.js';
import { callAws } from '../../sources/timeout.js';
import type { DoctorCheck } from '../types.js';
import { loadSdk } from '../../core/aws-sdk.js';

/**
 * CloudWatch Logs: StartQuery over the last minute of the orchestrator's log group, then
 * StopQuery at once. The same two calls diagnose makes, so a pass proves its rights on the
 * group (a missing group is ResourceNotFound), while stopping before the query runs keeps
 * the cost at nothing.
 */
export const logsCheck: DoctorCheck = {
  id: 'logs',
  source: 'logs',
  name: (config) => `CloudWatch Logs ${config.names.logGroup}`,
  load: () => Promise.all([loadSdk('@aws-sdk/client-cloudwatch-logs'), import('@smithy/node-http-handler')]),
  async run({ config, timeoutMs, signal }) {
    const [{ CloudWatchLogsClient, StartQueryCommand, StopQueryCommand }, { awsClientOptions }] = await Promise.all([
      loadSdk('@aws-sdk/client-cloudwatch-logs'),
      import('../../sources/aws-config.js'),
    ]);
    const logs = new CloudWatchLogsClient(await awsClientOptions(config, 'logs', timeoutMs));
    const group = config.names.logGroup;
    try {
      const nowSec = Math.floor(Date.now() / 1000);
      const { queryId } = await callAws(
        'logs',
        timeoutMs,
        (abortSignal) =>
          logs.send(new StartQueryCommand({ logGroupName: group, startTime: nowSec - 60, endTime: nowSec, queryString: 'fields @timestamp | limit 1', limit: 1 }), { abortSignal }),
        { ...profileContext(config, `StartQuery ${group}`), signal },
      );
      let stopped = 'stopped at once';
      if (queryId) {
        // A query that already finished cannot be stopped: only a denial matters here.
        await callAws('logs', timeoutMs, (abortSignal) => logs.send(new StopQueryCommand({ queryId }), { abortSignal }), { ...profileContext(config, 'StopQuery'), signal }).catch(
          (err: { kind?: string }) => {
            if (err.kind === 'access_denied') throw err;
            stopped = 'already finished';
          },
        );
      }
      return [{ id: 'logs', source: 'logs', name: `CloudWatch Logs ${group}`, status: 'ok', detail: `Logs Insights StartQuery allowed (query ${stopped})` }];
    } finally {
      logs.destroy();
    }
  },
};
