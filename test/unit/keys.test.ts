import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_LAYOUT,
  parseQuarantineKey,
  quarantineKey,
  quarantineScanPattern,
  SESSION_KEY_KINDS,
  sessionIdFromKey,
  sessionKeys,
  sessionScanPattern,
  type KeyLayout,
} from '../../src/core/keys.js';
import { hashSlot } from '../../src/core/sessions/hash-slot.js';
import { parseSessionId } from '../../src/core/session-id.js';

const plain: KeyLayout = DEFAULT_LAYOUT;
const tagged: KeyLayout = { prefix: 'manga', hashTags: true };
const id = parseSessionId('sess-001');

/** Session ids drawn from the contract's alphabet, ":" included. */
const sessionIds = fc
  .tuple(fc.constantFrom(...'aZ09'), fc.array(fc.constantFrom(...'azAZ09._:-'), { maxLength: 40 }))
  .map(([h, t]) => parseSessionId(h + t.join('')));

describe('sessionKeys', () => {
  it('builds the contract\'s layout without hash tags', () => {
    expect(sessionKeys(plain, id)).toEqual({
      turns: 'manga:session:sess-001:turns',
      backup: 'manga:session:sess-001:backup',
      state: 'manga:session:sess-001:state',
      routes: 'manga:session:sess-001:routes',
      pin: 'manga:session:sess-001:pin',
      lock: 'manga:session:sess-001:lock',
    });
    expect(quarantineKey(plain, id, 1_700_000_000_123)).toBe('manga:quarantine:sess-001:1700000000123');
  });

  it('wraps the id in braces with hash tags, so every key of a session (quarantine too) shares one slot', () => {
    const keys = sessionKeys(tagged, id);
    expect(keys.turns).toBe('manga:session:{sess-001}:turns');
    expect(quarantineKey(tagged, id, 5)).toBe('manga:quarantine:{sess-001}:5');
    const slots = new Set([...Object.values(keys), quarantineKey(tagged, id, 5)].map(hashSlot));
    expect(slots.size).toBe(1);
    // Without tags the same keys are spread over slots: why the plain layout cannot use MULTI on a cluster.
    expect(new Set(Object.values(sessionKeys(plain, id)).map(hashSlot)).size).toBeGreaterThan(1);
  });

  it('honours a custom prefix', () => {
    expect(sessionKeys({ prefix: 'staging.manga', hashTags: false }, id).pin).toBe('staging.manga:session:sess-001:pin');
  });

  it('scan patterns are built from constants and the validated id only', () => {
    expect(sessionScanPattern(plain, 'turns')).toBe('manga:session:*:turns');
    expect(quarantineScanPattern(plain, id)).toBe('manga:quarantine:sess-001:*');
    expect(quarantineScanPattern(tagged, id)).toBe('manga:quarantine:{sess-001}:*');
  });
});

describe('sessionIdFromKey', () => {
  it('round-trips every kind, with and without hash tags (property)', () => {
    for (const layout of [plain, tagged]) {
      fc.assert(
        fc.property(sessionIds, fc.constantFrom(...SESSION_KEY_KINDS), (sid, kind) => sessionIdFromKey(layout, sessionKeys(layout, sid)[kind]) === sid),
      );
    }
  });

  it('keeps ids that contain ":" whole', () => {
    expect(sessionIdFromKey(plain, 'manga:session:user:42:turns')).toBe('user:42');
    expect(sessionIdFromKey(tagged, 'manga:session:{user:42}:pin')).toBe('user:42');
  });

  it('answers null for keys that are not session keys of the layout', () => {
    for (const key of [
      'manga:quarantine:sess-001:123',
      'other:session:sess-001:turns',
      'manga:session:sess-001',
      'manga:session::turns',
      'manga:session:sess-001:unknownkind',
    ]) {
      expect(sessionIdFromKey(plain, key)).toBeNull();
    }
    expect(sessionIdFromKey(tagged, 'manga:session:sess-001:turns')).toBeNull();
    expect(sessionIdFromKey(tagged, 'manga:session:{}:turns')).toBeNull();
  });
});

describe('parseQuarantineKey', () => {
  it('round-trips id and time, with and without hash tags (property)', () => {
    for (const layout of [plain, tagged]) {
      fc.assert(
        fc.property(sessionIds, fc.integer({ min: 0, max: 9_999_999_999_999 }), (sid, ms) => {
          const parsed = parseQuarantineKey(layout, quarantineKey(layout, sid, ms));
          return parsed?.sessionId === sid && parsed.epochMs === ms;
        }),
      );
    }
  });

  it('tells session "a" from session "a:1", which the SCAN pattern of "a" also matches', () => {
    const key = quarantineKey(plain, parseSessionId('a:1'), 1700000000000);
    expect(parseQuarantineKey(plain, key)).toEqual({ sessionId: 'a:1', epochMs: 1700000000000 });
  });

  it('answers null for what is not a quarantine key', () => {
    for (const key of ['manga:quarantine:a:', 'manga:quarantine:a:12x', 'manga:session:a:turns', 'manga:quarantine::5']) {
      expect(parseQuarantineKey(plain, key)).toBeNull();
    }
  });
});

describe('hashSlot', () => {
  it('matches the Redis Cluster spec\'s reference values', () => {
    // CLUSTER KEYSLOT answers, from the spec and redis-cli.
    expect(hashSlot('123456789')).toBe(12739);
    expect(hashSlot('foo')).toBe(12182);
    expect(hashSlot('{user1000}.following')).toBe(hashSlot('user1000'));
    expect(hashSlot('foo{}{bar}')).toBe(hashSlot('foo{}{bar}'));
    expect(hashSlot('foo{{bar}}zap')).toBe(hashSlot('{bar'));
  });
});
