import { z } from 'zod';

/**
 * The configuration file's schema. Every field is optional in the file; defaults live here
 * so `config show` can print the effective value of each. Unknown keys are rejected so a
 * typo ("hashtags") is an error, not a silently ignored setting.
 */
const endpoint = z.url({ message: 'must be a URL such as http://127.0.0.1:4566' });

export const tlsSchema = z
  .object({
    ca: z.string().optional().describe('path to a PEM CA bundle'),
    cert: z.string().optional().describe('path to a PEM client certificate'),
    key: z.string().optional().describe('path to the PEM key of the client certificate'),
    servername: z.string().optional(),
    insecureSkipVerify: z.boolean().default(false),
  })
  .strict();

export const redisSchema = z
  .object({
    url: z
      .string()
      .regex(/^rediss?:\/\//, { message: 'must start with redis:// or rediss://' })
      .optional(),
    cluster: z
      .array(z.string().regex(/^[^\s:]+:\d{1,5}$/, { message: 'each node must be host:port' }))
      .optional(),
    hashTags: z.boolean().default(false),
    keyPrefix: z.string().regex(/^[A-Za-z0-9_.-]+$/, { message: 'letters, digits, "_", "." and "-" only' }).default('manga'),
    username: z.string().optional(),
    password: z.string().optional(),
    passwordFile: z.string().optional(),
    tls: tlsSchema.optional(),
    scanCount: z.number().int().positive().default(1000),
    pipelineSize: z.number().int().positive().default(500),
  })
  .strict();

export const awsSchema = z
  .object({
    region: z.string().min(1).default('us-east-1'),
    profile: z.string().optional(),
    writeRoleArn: z.string().regex(/^arn:aws[a-z-]*:iam::\d{12}:role\/.+$/, { message: 'must be an IAM role ARN' }).optional(),
    endpoints: z
      .object({
        logs: endpoint.optional(),
        cloudwatch: endpoint.optional(),
        elasticache: endpoint.optional(),
        dynamodb: endpoint.optional(),
        s3: endpoint.optional(),
        sts: endpoint.optional(),
      })
      .strict()
      .default({}),
    /** Static credentials: for the lab only. Production uses the SDK's chain. */
    accessKeyId: z.string().optional(),
    secretAccessKey: z.string().optional(),
    s3ForcePathStyle: z.boolean().default(false),
  })
  .strict();

export const namesSchema = z
  .object({
    sessionsTable: z.string().default('manga_sessions'),
    productsTable: z.string().default('manga_products'),
    overflowBucket: z.string().default('manga-session-overflow'),
    logGroup: z.string().default('/manga-assist/orchestrator'),
    metricsNamespace: z.string().default('MangaAssist'),
    replicationGroup: z.string().default('manga-sessions'),
    alarms: z
      .object({
        sessionErrors: z.string().default('manga_session_errors'),
        routingCount: z.string().default('agent_routing_count'),
        p99Latency: z.string().default('agent_squad_p99_latency'),
        validationErrors: z.string().default('manga_sessions_validation_exception'),
      })
      .strict()
      .default({
        sessionErrors: 'manga_session_errors',
        routingCount: 'agent_routing_count',
        p99Latency: 'agent_squad_p99_latency',
        validationErrors: 'manga_sessions_validation_exception',
      }),
  })
  .strict();

export const configSchema = z
  .object({
    redis: redisSchema.default(redisSchema.parse({})),
    aws: awsSchema.default(awsSchema.parse({})),
    names: namesSchema.default(namesSchema.parse({})),
    timeoutMs: z.number().int().positive().default(5000),
    sessionTtlSeconds: z.number().int().positive().default(1800),
    auditPath: z.string().optional(),
    /** Where fix writes its checkpoints and the lab keeps its state. */
    stateDir: z.string().optional(),
  })
  .strict();

export type Config = z.infer<typeof configSchema>;
export type ConfigInput = z.input<typeof configSchema>;
