/**
 * The fleet's audit lines as text. A fleet writes two lines per session that differ only in
 * a few fields, and building each as an object for JSON.stringify cost more than the rest of
 * its bookkeeping: here the fields every line of a run shares (actor, command, kind, run) are
 * serialized once, and each line is one template. The text is exactly what
 * `AuditLog.append` writes for the same line as an object, field order included (a unit test
 * keeps the two equal), so readers cannot tell them apart.
 */
import type { ActionName } from '../types.js';
import type { Actor } from '../audit/record.js';
import { AUDIT_SCHEMA_VERSION } from '../audit/record.js';

const json = JSON.stringify;

export interface FleetLineKeys {
  written: readonly string[];
  deleted: readonly string[];
}

export class FleetAuditText {
  /** `"actor":…,"command":…,"kind":"fix"`. */
  private readonly shared: string;
  /** `,"runId":…`, or nothing. */
  private readonly run: string;

  constructor(actor: Actor, command: string, runId: string | undefined) {
    this.shared = `"actor":${json(actor)},"command":${json(command)},"kind":"fix"`;
    this.run = runId === undefined ? '' : `,"runId":${json(runId)}`;
  }

  private head(id: string, session: string, action: ActionName, phase: 'intent' | 'outcome', time: string, keys: FleetLineKeys): string {
    return `{"schemaVersion":${AUDIT_SCHEMA_VERSION},"id":${json(id)},${this.shared},"session":${json(session)},"action":${json(action)}${this.run},"phase":"${phase}","time":${json(time)},"keys":{"written":${json(keys.written)},"deleted":${json(keys.deleted)}}`;
  }

  /** The intent line written before a repair is sent. */
  intent(l: { id: string; session: string; action: ActionName; time: string; keys: FleetLineKeys; quarantineKey: string; fingerprint: string }): string {
    return `${this.head(l.id, l.session, l.action, 'intent', l.time, l.keys)},"preImage":{"quarantineKey":${json(l.quarantineKey)}},"result":"pending","details":{"fingerprint":${json(l.fingerprint)}}}`;
  }

  /** The outcome line of a repair that was written and read back. */
  written(l: {
    id: string;
    session: string;
    action: ActionName;
    time: string;
    keys: FleetLineKeys;
    quarantineKey: string;
    result: 'applied' | 'verify-failed';
    afterFingerprint: string;
    reason: string;
    turnsBefore: number;
    turnsAfter: number;
  }): string {
    return `${this.head(l.id, l.session, l.action, 'outcome', l.time, l.keys)},"preImage":{"quarantineKey":${json(l.quarantineKey)}},"result":"${l.result}","after":{"fingerprint":${json(l.afterFingerprint)}},"details":{"reason":${json(l.reason)},"turnsBefore":${json(l.turnsBefore)},"turnsAfter":${json(l.turnsAfter)}}}`;
  }
}
