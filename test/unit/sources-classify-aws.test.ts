import { connect } from 'node:net';
import { ThrottlingException as LogsThrottling, MalformedQueryException, UnrecognizedClientException } from '@aws-sdk/client-cloudwatch-logs';
import { ProvisionedThroughputExceededException, ResourceNotFoundException, DynamoDBServiceException } from '@aws-sdk/client-dynamodb';
import { ReplicationGroupNotFoundFault } from '@aws-sdk/client-elasticache';
import { AccessDenied, NoSuchBucket, NoSuchKey } from '@aws-sdk/client-s3';
import { ExpiredTokenException } from '@aws-sdk/client-sts';
import { describe, expect, it } from 'vitest';
import { classifyAwsError } from '../../src/sources/classify-aws.js';
import { SourceError } from '../../src/sources/errors.js';
import { freePort } from '../../src/lab/services/free-port.js';

/** The SDK's own exception classes, built as the SDK's deserializers build them. */
const meta = (httpStatusCode: number) => ({ $metadata: { httpStatusCode } });

/** A real Node socket error, from connecting to a port nobody listens on. */
async function refusedError(): Promise<Error> {
  const port = await freePort();
  return new Promise((resolve) => {
    const sock = connect(port, '127.0.0.1');
    sock.once('error', (err) => {
      sock.destroy();
      resolve(err);
    });
  });
}

describe('classifyAwsError', () => {
  it('ResourceNotFoundException, ReplicationGroupNotFoundFault, NoSuchBucket and NoSuchKey are not_found (exit 2)', () => {
    const errors = [
      new ResourceNotFoundException({ message: 'Requested resource not found', ...meta(400) }),
      new ReplicationGroupNotFoundFault({ message: 'ReplicationGroup manga-x not found', ...meta(404) }),
      new NoSuchBucket({ message: 'The specified bucket does not exist', ...meta(404) }),
      new NoSuchKey({ message: 'The specified key does not exist.', ...meta(404) }),
    ];
    for (const err of errors) {
      const c = classifyAwsError('dynamodb', err);
      expect(c.kind, err.name).toBe('not_found');
      expect(c.exitCode).toBe(2);
      expect(c.message).toContain(err.name);
      expect(c.cause).toBe(err);
    }
  });

  it('throttling exceptions of every service are throttled (exit 4)', () => {
    for (const err of [
      new ProvisionedThroughputExceededException({ message: 'exceeded', ...meta(400) }),
      new LogsThrottling({ message: 'Rate exceeded', ...meta(400) }),
    ]) {
      const c = classifyAwsError('logs', err);
      expect(c.kind).toBe('throttled');
      expect(c.exitCode).toBe(4);
    }
    // Query-protocol services name it without the suffix.
    const query = new DynamoDBServiceException({ name: 'Throttling', $fault: 'client', message: 'Rate exceeded', ...meta(400) });
    expect(classifyAwsError('cloudwatch', query).kind).toBe('throttled');
  });

  it('expired or unknown credentials are access_denied with a login hint naming the profile', () => {
    const expired = classifyAwsError('sts', new ExpiredTokenException({ message: 'The security token included in the request is expired', ...meta(400) }), {
      profile: 'manga-prod',
    });
    expect(expired.kind).toBe('access_denied');
    expect(expired.exitCode).toBe(2);
    expect(expired.hint).toContain('aws sso login --profile manga-prod');
    const unknown = classifyAwsError('logs', new UnrecognizedClientException({ message: 'The security token included in the request is invalid.', ...meta(400) }));
    expect(unknown.kind).toBe('access_denied');
    expect(unknown.hint).toContain('aws sso login');
    // The SDK's credential chain fails with a plain error named CredentialsProviderError.
    const chain = Object.assign(new Error('Could not load credentials from any providers'), { name: 'CredentialsProviderError' });
    expect(classifyAwsError('cloudwatch', chain).kind).toBe('access_denied');
  });

  it('a policy that forbids the call is access_denied with the iam-policy hint', () => {
    const denied = classifyAwsError('s3', new AccessDenied({ message: 'Access Denied', ...meta(403) }));
    expect(denied.kind).toBe('access_denied');
    expect(denied.hint).toContain('manga-oncall iam-policy --read-only');
    const dynamoDenied = new DynamoDBServiceException({ name: 'AccessDeniedException', $fault: 'client', message: 'not authorized to perform: dynamodb:Scan', ...meta(400) });
    expect(classifyAwsError('dynamodb', dynamoDenied).hint).toContain('iam-policy --read-only');
  });

  it('a 5xx or a server fault is unavailable (exit 4)', () => {
    const named = new DynamoDBServiceException({ name: 'InternalServerError', $fault: 'server', message: 'Internal server error', ...meta(500) });
    expect(classifyAwsError('dynamodb', named).kind).toBe('unavailable');
    const anonymous = new DynamoDBServiceException({ name: 'SomethingNew', $fault: 'server', message: 'bad gateway', ...meta(502) });
    const c = classifyAwsError('dynamodb', anonymous);
    expect(c.kind).toBe('unavailable');
    expect(c.exitCode).toBe(4);
    expect(c.message).toContain('HTTP 502');
  });

  it('a malformed query is invalid_request', () => {
    const c = classifyAwsError('logs', new MalformedQueryException({ message: 'unexpected symbol', ...meta(400) }));
    expect(c.kind).toBe('invalid_request');
  });

  it('network failures are classified by their code: refused is unreachable, timed out is timeout', async () => {
    const refused = await refusedError();
    expect((refused as NodeJS.ErrnoException).code).toBe('ECONNREFUSED');
    expect(classifyAwsError('elasticache', refused).kind).toBe('unreachable');
    // The SDK's HTTP handler renames socket timeouts to TimeoutError and aborts to AbortError.
    expect(classifyAwsError('logs', Object.assign(new Error('socket timed out'), { name: 'TimeoutError' })).kind).toBe('timeout');
    expect(classifyAwsError('logs', Object.assign(new Error('aborted'), { name: 'AbortError' })).kind).toBe('timeout');
    expect(classifyAwsError('logs', Object.assign(new Error('reset'), { name: 'TimeoutError', code: 'ECONNRESET' })).kind).toBe('unreachable');
  });

  it('never reads message text: a message that names an exception changes nothing', () => {
    const c = classifyAwsError('s3', new Error('ThrottlingException AccessDenied NoSuchKey ECONNREFUSED'));
    expect(c.kind).toBe('unknown');
    expect(c.exitCode).toBe(4);
  });

  it('passes a SourceError through unchanged and keeps messages to one line', () => {
    const original = new SourceError({ source: 'logs', kind: 'timeout', message: 'x', hint: 'y' });
    expect(classifyAwsError('s3', original)).toBe(original);
    const multi = classifyAwsError('s3', new NoSuchKey({ message: 'line one\nline two', ...meta(404) }), { what: 'GetObject s3://b/k' });
    expect(multi.message).not.toContain('\n');
    expect(multi.message).toContain('GetObject s3://b/k');
    expect(multi.errorCode).toBe('S3_NOT_FOUND');
  });
});
