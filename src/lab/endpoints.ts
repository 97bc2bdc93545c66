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

/**
 * Credentials the lab's AWS endpoints accept. dynalite and the emulator accept any; s3rver
 * only knows its built-in key pair, so the lab uses that one everywhere.
 */
export const LAB_CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } as const;
export const LAB_REGION = 'us-east-1';
