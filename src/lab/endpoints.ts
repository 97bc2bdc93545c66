/**
 * Where a running lab's services listen. Written by the supervisor into the lab state file,
 * read by `lab seed` and turned into a manga-oncall config file by `lab up`.
 */
export interface LabEndpoints {
  /** redis://127.0.0.1:<port> */
  redisUrl: string;
  /** dynalite, http://127.0.0.1:<port> */
  dynamodb: string;
  /** s3rver, http://127.0.0.1:<port> */
  s3: string;
  /** The project's emulator (CloudWatch Logs, CloudWatch, ElastiCache, admin API under /_lab), http://127.0.0.1:<port> */
  emulator: string;
}

/** Credentials the lab's AWS endpoints accept (any are accepted; these are the ones we write). */
export const LAB_CREDENTIALS = { accessKeyId: 'lab', secretAccessKey: 'lab-secret-not-a-secret' } as const;
export const LAB_REGION = 'us-east-1';
