import type { Config } from '../config/schema.js';

export type AwsService = 'logs' | 'cloudwatch' | 'elasticache' | 'dynamodb' | 's3' | 'sts';

/**
 * The constructor options shared by every SDK v3 client we build: region, endpoint override,
 * credentials (static ones only for the lab; otherwise the SDK's own provider chain with the
 * profile), and socket timeouts so a hung endpoint cannot hang a command.
 */
export async function awsClientOptions(config: Config, service: AwsService, timeoutMs = config.timeoutMs) {
  const { NodeHttpHandler } = await import('@smithy/node-http-handler');
  const endpoint = config.aws.endpoints[service];
  let credentials: unknown;
  if (config.aws.accessKeyId && config.aws.secretAccessKey) {
    credentials = { accessKeyId: config.aws.accessKeyId, secretAccessKey: config.aws.secretAccessKey };
  } else if (config.aws.profile) {
    const { fromNodeProviderChain } = await import('@aws-sdk/credential-providers');
    credentials = fromNodeProviderChain({ profile: config.aws.profile });
  }
  return {
    region: config.aws.region,
    ...(endpoint ? { endpoint } : {}),
    ...(credentials ? { credentials } : {}),
    // Retries multiply the wait during an incident; one retry for a throttled call is enough.
    maxAttempts: 2,
    requestHandler: new NodeHttpHandler({ connectionTimeout: timeoutMs, requestTimeout: timeoutMs }),
  } as const;
}

/** S3 extras: path style for local endpoints; s3rver corrupts streamed checksummed uploads. */
export function s3Extras(config: Config) {
  return {
    forcePathStyle: config.aws.s3ForcePathStyle || Boolean(config.aws.endpoints.s3),
    requestChecksumCalculation: 'WHEN_REQUIRED' as const,
    responseChecksumValidation: 'WHEN_REQUIRED' as const,
  };
}
