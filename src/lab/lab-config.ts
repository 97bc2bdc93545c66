import { join } from 'node:path';
import { configSchema, type Config, type ConfigInput } from '../config/schema.js';
import { LAB_CREDENTIALS, LAB_REGION, type LabEndpoints } from './endpoints.js';

/**
 * The manga-oncall configuration file for a running lab: every AWS endpoint pointed at the
 * lab (the emulator serves CloudWatch Logs, CloudWatch, ElastiCache and STS on one port;
 * dynalite DynamoDB; s3rver S3 with path-style addressing), the lab's Redis URL, the lab's
 * static credentials (accepted by every lab service, useless anywhere else) and its region.
 * With `stateDir` (the lab directory) fixes keep their checkpoints and audit log there.
 * Every other setting keeps its default, so the lab exercises the production names.
 *
 * `lab up` writes it to `<lab dir>/config.json`; any command then runs against the lab with
 * `--config <lab dir>/config.json`.
 */
export function labConfigFile(endpoints: LabEndpoints, opts: { stateDir?: string } = {}): ConfigInput {
  const file: ConfigInput = {
    redis: { url: endpoints.redisUrl },
    aws: {
      region: LAB_REGION,
      endpoints: {
        logs: endpoints.emulator,
        cloudwatch: endpoints.emulator,
        elasticache: endpoints.emulator,
        dynamodb: endpoints.dynamodb,
        s3: endpoints.s3,
        sts: endpoints.emulator,
      },
      accessKeyId: LAB_CREDENTIALS.accessKeyId,
      secretAccessKey: LAB_CREDENTIALS.secretAccessKey,
      s3ForcePathStyle: true,
    },
    // The lab keeps its own audit log, so practice fixes never mix with production's.
    ...(opts.stateDir ? { stateDir: opts.stateDir, auditPath: join(opts.stateDir, 'audit.jsonl') } : {}),
  };
  // Fails loudly here, at `lab up`, rather than in the next command that reads the file.
  configSchema.parse(file);
  return file;
}

/** The effective configuration of a lab, as a command would load it from the lab's file. */
export function labConfig(endpoints: LabEndpoints, opts: { stateDir?: string } = {}): Config {
  return configSchema.parse(labConfigFile(endpoints, opts));
}
