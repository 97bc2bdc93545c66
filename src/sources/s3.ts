import type { S3Client } from '@aws-sdk/client-s3';
import type { Config } from '../config/schema.js';
import { CoreError } from '../core/errors.js';
import { LazyClient, awsClientOptions, s3Extras, type AwsSourceOptions, profileContext } from './aws-config.js';
import { callAws } from './timeout.js';
import { loadSdk } from '../core/aws-sdk.js';

/**
 * Builds an S3 client for the config: the shared AWS options plus the S3 extras (path
 * style for custom endpoints, checksums only when required, which s3rver needs).
 */
export async function createS3Client(config: Config, timeoutMs = config.timeoutMs): Promise<S3Client> {
  const { S3Client } = await loadSdk('@aws-sdk/client-s3');
  return new S3Client({ ...(await awsClientOptions(config, 's3', timeoutMs)), ...s3Extras(config) });
}

export interface PutJsonOptions {
  /** Server-side encryption; the contract writes overflow histories with `aws:kms`. */
  sse?: 'aws:kms' | 'AES256';
  /** A customer-managed KMS key; the bucket's default key when absent. */
  kmsKeyId?: string;
  /** Refuse to overwrite an existing object (`If-None-Match: *`). */
  ifAbsent?: boolean;
  metadata?: Record<string, string>;
}

/** S3 reads and writes of JSON documents (the session overflow histories). */
export class S3Source {
  private readonly lazy: LazyClient<S3Client>;
  private readonly timeoutMs: number;

  constructor(
    private readonly config: Config,
    opts: AwsSourceOptions = {},
  ) {
    this.timeoutMs = opts.timeoutMs ?? config.timeoutMs;
    this.lazy = new LazyClient(() => createS3Client(config, this.timeoutMs));
  }

  /** The underlying client, for code (such as the core's OverflowStore) that sends its own commands. */
  client(): Promise<S3Client> {
    return this.lazy.get();
  }

  /**
   * Reads and parses one JSON object. A missing object is a `not_found` SourceError; an
   * object that is not JSON is a CoreError `CORRUPT_DATA` (the data is wrong, not S3).
   */
  async getJson<T = unknown>(bucket: string, key: string): Promise<T> {
    const s3 = await this.lazy.get();
    const { GetObjectCommand } = await loadSdk('@aws-sdk/client-s3');
    const text = await callAws(
      's3',
      this.timeoutMs,
      async (abortSignal) => {
        const out = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }), { abortSignal });
        // The body is read under the same deadline: a stalled download is a timeout too.
        return out.Body ? out.Body.transformToString('utf-8') : '';
      },
      this.ctx(`GetObject s3://${bucket}/${key}`),
    );
    try {
      return JSON.parse(text) as T;
    } catch (err) {
      throw new CoreError('CORRUPT_DATA', `s3://${bucket}/${key} is not valid JSON`, { cause: err });
    }
  }

  /** Writes `body` as UTF-8 JSON; returns the ETag (and version id on a versioned bucket). */
  async putJson(bucket: string, key: string, body: unknown, opts: PutJsonOptions = {}): Promise<{ etag: string | undefined; versionId: string | undefined }> {
    const s3 = await this.lazy.get();
    const { PutObjectCommand } = await loadSdk('@aws-sdk/client-s3');
    // A Buffer, not a string or stream: the length is known up front, so no chunked upload.
    const bytes = Buffer.from(JSON.stringify(body), 'utf8');
    const out = await callAws(
      's3',
      this.timeoutMs,
      (abortSignal) =>
        s3.send(
          new PutObjectCommand({
            Bucket: bucket,
            Key: key,
            Body: bytes,
            ContentLength: bytes.length,
            ContentType: 'application/json; charset=utf-8',
            ...(opts.sse ? { ServerSideEncryption: opts.sse } : {}),
            ...(opts.sse === 'aws:kms' && opts.kmsKeyId ? { SSEKMSKeyId: opts.kmsKeyId } : {}),
            ...(opts.ifAbsent ? { IfNoneMatch: '*' } : {}),
            ...(opts.metadata ? { Metadata: opts.metadata } : {}),
          }),
          { abortSignal },
        ),
      this.ctx(`PutObject s3://${bucket}/${key}`),
    );
    return { etag: out.ETag, versionId: out.VersionId };
  }

  /** Closes the client's sockets. */
  close(): void {
    this.lazy.destroy();
  }

  private ctx(what: string) {
    return profileContext(this.config, what);
  }
}
