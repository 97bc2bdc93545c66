/** The scan's stderr progress: redrawn in place on a terminal, plain lines into a log, always ended cleanly. */
import { describe, expect, it } from 'vitest';
import { progressReporter } from '../../src/cli/commands/scan-render.js';

function fakeStream(isTTY: boolean) {
  const writes: string[] = [];
  return { writes, stream: { isTTY, write: (s: string) => (writes.push(s), true) } as unknown as NodeJS.WriteStream };
}

describe('progressReporter', () => {
  it('on a terminal: a bar redrawn with \\r, cleared at the end, never a newline', () => {
    const { writes, stream } = fakeStream(true);
    const p = progressReporter(stream, 'keys');
    p.update(50, 200, '10 sessions');
    p.done();
    p.done();
    expect(writes[0]).toMatch(/^\r\[#{8}\.{22}\]  25% 50\/200 keys, 10 sessions/);
    expect(writes.at(-1)).toBe('\r\x1b[K');
    expect(writes.join('')).not.toContain('\n');
  });

  it('into a log: whole lines, and the last figures on done()', () => {
    const { writes, stream } = fakeStream(false);
    const p = progressReporter(stream, 'items');
    p.update(1, null, 'first');
    p.update(9, null, 'last'); // within the same second: held back...
    p.done(); // ...and written at the end
    expect(writes).toEqual(['[progress] 1 items, first\n', '[progress] 9 items, last\n']);
  });
});
