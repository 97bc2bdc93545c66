import { CoreError } from '../errors.js';

/**
 * A session write found a different `version` than the one it read: another writer got
 * there first. Nothing in DynamoDB was overwritten; a snapshot already written to S3 is
 * left as an orphan (`orphanSnapshotKey`) that a rerun reuses.
 */
export class SessionVersionConflictError extends CoreError {
  readonly sessionId: string;
  readonly expectedVersion: number | undefined;
  readonly orphanSnapshotKey: string | undefined;
  constructor(sessionId: string, expectedVersion: number | undefined, orphanSnapshotKey: string | undefined, cause: unknown) {
    const expected = expectedVersion === undefined ? 'no version' : `version ${expectedVersion}`;
    super('WRITE_CONFLICT', `session ${sessionId}: the item changed since it was read (expected ${expected}); nothing was overwritten`, {
      suggestion: 'rerun: the change is planned again from the current item',
      cause,
    });
    this.name = 'SessionVersionConflictError';
    this.sessionId = sessionId;
    this.expectedVersion = expectedVersion;
    this.orphanSnapshotKey = orphanSnapshotKey;
  }
}

/** AWS SDK v3 errors carry their exception name in `name`; that, never the message, is what we classify by. */
export function awsErrorName(err: unknown): string | undefined {
  return err !== null && typeof err === 'object' && 'name' in err && typeof err.name === 'string' ? err.name : undefined;
}
