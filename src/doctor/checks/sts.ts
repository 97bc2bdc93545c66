import type { DoctorCheck } from '../types.js';
import { loadSdk } from '../../core/aws-sdk.js';

/**
 * STS: GetCallerIdentity, which needs no permission, so it proves the credentials resolve
 * (profile, SSO, credential_process, role) and names who the commands act as. Static
 * credentials from the config are the lab's: without an STS endpoint there is nobody to ask.
 */
export const stsCheck: DoctorCheck = {
  id: 'sts',
  source: 'sts',
  name: () => 'AWS identity (STS)',
  // The credential providers (profiles, SSO, credential_process) load once for every AWS check.
  load: () => Promise.all([import('../../sources/sts.js'), loadSdk('@aws-sdk/client-sts'), import('@smithy/node-http-handler'), import('@aws-sdk/credential-providers')]),
  async run({ config, timeoutMs }) {
    const role = config.aws.writeRoleArn ? `; fix and undo assume ${config.aws.writeRoleArn}` : '; no write role: fix and undo write with these credentials';
    if (config.aws.accessKeyId && !config.aws.endpoints.sts) {
      return [{ id: 'sts', source: 'sts', name: 'AWS identity (STS)', status: 'skipped', detail: 'static credentials from the config (the lab): no STS endpoint to ask' }];
    }
    const { StsSource } = await import('../../sources/sts.js');
    const sts = new StsSource(config, { timeoutMs });
    try {
      const id = await sts.callerIdentity();
      const profile = config.aws.profile ? ` via profile ${config.aws.profile}` : '';
      return [{ id: 'sts', source: 'sts', name: 'AWS identity (STS)', status: 'ok', detail: `${id.arn} (account ${id.account})${profile}${role}` }];
    } finally {
      sts.close();
    }
  },
};
