/**
 * The fleet's script calls are encoded by src/core/encoded-command.ts, not by ioredis: the
 * bytes must be exactly those ioredis would send for the same command.
 */
import fc from 'fast-check';
import { Command } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { encodeCommand } from '../../src/core/encoded-command.js';

const arg = fc.oneof(
  fc.string({ unit: 'grapheme', maxLength: 20 }),
  fc.constant(''),
  fc.uint8Array({ maxLength: 40 }).map((a) => Buffer.from(a)),
  fc.constant(Buffer.alloc(0)),
);

describe('encodeCommand', () => {
  it('writes the bytes ioredis writes for the same command', () => {
    fc.assert(
      fc.property(fc.constantFrom('evalsha', 'set', 'ワ'), fc.array(arg, { maxLength: 12 }), (name, args) => {
        const theirs = new Command(name, args).toWritable(undefined as never);
        expect(encodeCommand(name, args).equals(Buffer.isBuffer(theirs) ? theirs : Buffer.from(theirs, 'utf8'))).toBe(true);
      }),
    );
  });
});
