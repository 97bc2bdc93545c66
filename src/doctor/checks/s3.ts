import { profileContext } from '../../sources/aws-config.js';
import { SourceError } from '../../sources/errors.js';
import { callAws } from '../../sources/timeout.js';
import type { DoctorCheck } from '../types.js';
import { loadSdk } from '../../core/aws-sdk.js';

/** A key no session can have (ids start with a letter or digit): only its absence is read. */
export const S3_PROBE_KEY = 'sessions/.manga-oncall-doctor';

/**
 * S3: GetObject of a key that does not exist under `sessions/`. With s3:GetObject on the
 * snapshots and s3:ListBucket on the bucket (both in the read-only policy) the answer is
 * NoSuchKey, which is the pass; NoSuchBucket names a wrong bucket; AccessDenied means one
 * of the two rights is missing (S3 answers 403 for a missing key without ListBucket).
 */
export const s3Check: DoctorCheck = {
  id: 's3',
  source: 's3',
  name: (config) => `S3 bucket ${config.names.overflowBucket}`,
  load: () => Promise.all([import('../../sources/s3.js'), loadSdk('@aws-sdk/client-s3'), import('@smithy/node-http-handler')]),
  async run({ config, timeoutMs, signal }) {
    const [{ S3Source }, { GetObjectCommand }] = await Promise.all([import('../../sources/s3.js'), loadSdk('@aws-sdk/client-s3')]);
    const source = new S3Source(config, { timeoutMs });
    const bucket = config.names.overflowBucket;
    const line = (detail: string) => [{ id: 's3', source: 's3' as const, name: `S3 bucket ${bucket}`, status: 'ok' as const, detail }];
    try {
      const s3 = await source.client();
      await callAws('s3', timeoutMs, async (abortSignal) => (await s3.send(new GetObjectCommand({ Bucket: bucket, Key: S3_PROBE_KEY }), { abortSignal })).Body?.transformToString(), {
        ...profileContext(config, `GetObject s3://${bucket}/${S3_PROBE_KEY}`),
        signal,
      });
      return line('GetObject allowed on sessions/');
    } catch (err) {
      const name = err instanceof SourceError ? (err.cause as { name?: unknown } | undefined)?.name : undefined;
      if (name === 'NoSuchKey') return line('GetObject on sessions/ and ListBucket allowed');
      if (err instanceof SourceError && err.kind === 'access_denied') {
        throw new SourceError({
          source: 's3',
          kind: 'access_denied',
          message: err.message,
          hint: `allow s3:GetObject on arn:aws:s3:::${bucket}/sessions/* and s3:ListBucket on arn:aws:s3:::${bucket} (see \`manga-oncall iam-policy --read-only\`), or refresh the credentials`,
          cause: err,
        });
      }
      throw err;
    } finally {
      source.close();
    }
  },
};
