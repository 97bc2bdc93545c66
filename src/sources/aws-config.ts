import type { Config } from '../config/schema.js';

export type AwsService = 'logs' | 'cloudwatch' | 'elasticache' | 'dynamodb' | 's3' | 'sts';

type StaticCredentials = { accessKeyId: string; secretAccessKey: string };
type ChainCredentials = ReturnType<typeof import('@aws-sdk/credential-providers').fromNodeProviderChain>;

/**
 * The constructor options shared by every SDK v3 client we build: region, endpoint override,
 * credentials (static ones only for the lab; otherwise the SDK's own provider chain with the
 * profile: shared config and credentials files, SSO, `credential_process`, role profiles,
 * as the AWS CLI reads them), and socket timeouts so a hung endpoint cannot hang a command.
 */
export async function awsClientOptions(config: Config, service: AwsService, timeoutMs = config.timeoutMs) {
  const { NodeHttpHandler } = await import('@smithy/node-http-handler');
  const endpoint = config.aws.endpoints[service];
  let credentials: StaticCredentials | ChainCredentials | undefined;
  if (config.aws.accessKeyId && config.aws.secretAccessKey) {
    credentials = { accessKeyId: config.aws.accessKeyId, secretAccessKey: config.aws.secretAccessKey };
  } else if (config.aws.profile) {
    credentials = await profileCredentials(config.aws.profile);
  }
  return {
    region: config.aws.region,
    ...(endpoint ? { endpoint } : {}),
    ...(credentials ? { credentials } : {}),
    // Retries multiply the wait during an incident; one retry for a throttled call is enough.
    maxAttempts: 2,
    // throwOnRequestTimeout: a response that stalls is an error, not a warning on a logger.
    requestHandler: new NodeHttpHandler({ connectionTimeout: timeoutMs, requestTimeout: timeoutMs, throwOnRequestTimeout: true }),
  } as const;
}

/**
 * One credential provider per profile for the whole process: every client of a command
 * shares it, so a `credential_process` runs once, a role profile assumes its role once,
 * and an SSO token is read once, instead of once per SDK client. The SDK's provider
 * memoizes and refreshes before expiry by itself.
 */
const providers = new Map<string, Promise<ChainCredentials>>();

function profileCredentials(profile: string): Promise<ChainCredentials> {
  let provider = providers.get(profile);
  if (!provider) {
    provider = import('@aws-sdk/credential-providers').then(({ fromNodeProviderChain }) => fromNodeProviderChain({ profile }));
    providers.set(profile, provider);
  }
  return provider;
}

/** S3 extras: path style for local endpoints; s3rver corrupts streamed checksummed uploads. */
export function s3Extras(config: Config) {
  return {
    forcePathStyle: config.aws.s3ForcePathStyle || Boolean(config.aws.endpoints.s3),
    requestChecksumCalculation: 'WHEN_REQUIRED' as const,
    responseChecksumValidation: 'WHEN_REQUIRED' as const,
  };
}

/** Options shared by the AWS adapters. */
export interface AwsSourceOptions {
  /** Per-call budget; defaults to `config.timeoutMs` (the global --timeout). */
  timeoutMs?: number;
}

/** The hint context for {@link classifyAwsError}: which profile to log in with. */
export function profileContext(config: Config, what: string): { what: string; profile?: string } {
  return config.aws.profile ? { what, profile: config.aws.profile } : { what };
}

/** Anything with the SDK's `destroy()`, which closes the client's sockets. */
interface Destroyable {
  destroy(): void;
}

/**
 * A client built on first use and shared afterwards. The SDK module is imported inside
 * `build`, so a process that never calls the source (e.g. `--help`) never loads it. A
 * failed build is forgotten, so the next call tries again.
 */
export class LazyClient<C extends Destroyable> {
  private pending: Promise<C> | undefined;
  private built: C | undefined;

  constructor(private readonly build: () => Promise<C>) {}

  get(): Promise<C> {
    if (!this.pending) {
      const pending: Promise<C> = this.build().then(
        (client) => {
          // destroy() was called while building: do not keep (or leak) the late client.
          if (this.pending !== pending) client.destroy();
          else this.built = client;
          return client;
        },
        (err: unknown) => {
          if (this.pending === pending) this.pending = undefined;
          throw err;
        },
      );
      this.pending = pending;
    }
    return this.pending;
  }

  /** Closes the sockets of a client that was built; a no-op otherwise. */
  destroy(): void {
    this.built?.destroy();
    this.built = undefined;
    this.pending = undefined;
  }
}
