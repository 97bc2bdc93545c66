/**
 * Text renderings of the scan reports and the stderr progress bar. The reports themselves
 * (src/scan/) are plain objects; `--json` prints them as they are.
 */
import { formatKb } from '../../scan/byte-size.js';
import type { DynamoFleetReport } from '../../scan/dynamo-fleet.js';
import { FLEET_CLASSES, REMEDIATION_OF, type RedisFleetReport } from '../../scan/redis-report.js';

const n = (x: number) => x.toLocaleString('en-US');

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => (r[c] ?? '').length)));
  return rows.map((r) => r.map((cell, c) => (c === r.length - 1 ? cell : cell.padEnd(widths[c]!))).join('  ').trimEnd()).join('\n');
}

export function renderRedisReport(r: RedisFleetReport, target: string, exitCode: number): string {
  const head = `scan redis: ${target} (${r.mode}, ${r.nodes.length} master${r.nodes.length === 1 ? '' : 's'}), pattern ${r.pattern}${r.layout.hashTags ? ', hash-tagged ids' : ''}`;
  const lines = [head, `${n(r.sessions)} sessions judged, ${n(r.keysScanned)} keys scanned in ${(r.durationMs / 1000).toFixed(1)} s`, ''];
  const rows = [['CLASS', 'SESSIONS', 'REMEDIATION', 'SAMPLE']];
  for (const cls of FLEET_CLASSES) {
    const c = r.classes[cls];
    rows.push([cls, n(c.count), REMEDIATION_OF[cls] ?? '-', c.sample.join(' ')]);
  }
  lines.push(table(rows));
  const notes: string[] = [];
  if (r.locksOfWrongType) notes.push(`${n(r.locksOfWrongType)} lock key(s) are not strings: not written by a lock holder; inspect them by hand`);
  if (r.partiallyExamined) notes.push(`${n(r.partiallyExamined)} session(s) have longer lists than the read cap: judged on their first entries`);
  if (r.foreignKeys) notes.push(`${n(r.foreignKeys)} key(s) under the session prefix are not valid session keys (skipped)`);
  if (r.stoppedAtLimit) notes.push(`stopped at --limit: the counts cover part of the fleet`);
  for (const node of r.nodes.filter((x) => x.status === 'unavailable')) notes.push(`master ${node.node} UNAVAILABLE: ${node.error?.message ?? 'unknown error'} (its sessions are not counted)`);
  if (r.unjudged) notes.push(`${n(r.unjudged)} session(s) could not be judged: a key of theirs lives on an unavailable master`);
  if (notes.length) lines.push('', ...notes.map((x) => `note: ${x}`));
  lines.push(
    '',
    exitCode === 4
      ? 'verdict: INCONCLUSIVE: part of the fleet could not be read (exit 4); the counts above are lower bounds'
      : r.problems > 0
        ? `verdict: ${n(r.problems)} problem(s) found (exit 3); see \`manga-oncall fix fleet --action <remediation>\``
        : 'verdict: every session judged is healthy (exit 0)',
  );
  return lines.join('\n');
}

export function renderDynamoReport(r: DynamoFleetReport, exitCode: number): string {
  const segs = r.segmentsScanned.length === r.totalSegments ? `${r.totalSegments} segment(s)` : `segment ${r.segmentsScanned.join(',')} of ${r.totalSegments}`;
  const lines = [
    `scan dynamodb: table ${r.table}, ${segs}, ${n(r.items)} items in ${n(r.pages)} pages, ${(r.durationMs / 1000).toFixed(1)} s`,
    `item size: mean ${formatKb(r.bytes.mean)}, max ${formatKb(r.bytes.max)} (measured as DynamoDB does: UTF-8 bytes, number digits, list/map overheads)`,
    '',
  ];
  const most = Math.max(1, ...r.histogram.map((b) => b.count));
  const rows = [['HEADROOM UNDER 400 KB', 'ITEMS', '']];
  for (const b of r.histogram) rows.push([b.label, n(b.count), '#'.repeat(Math.ceil((b.count / most) * 40))]);
  lines.push(table(rows), '');
  if (r.overThreshold.count === 0) lines.push(`no session at or above ${formatKb(r.thresholdBytes)}`);
  else {
    lines.push(`${n(r.overThreshold.count)} session(s) at or above ${formatKb(r.thresholdBytes)}; the largest:`);
    lines.push(
      table([
        ['SESSION', 'SIZE', 'HEADROOM', 'TURNS'],
        ...r.overThreshold.largest.map((s) => [s.sessionId, formatKb(s.bytes), formatKb(s.headroomBytes), s.turnCount === null ? '-' : String(s.turnCount)]),
      ]),
    );
  }
  if (r.overLimit) lines.push(`${n(r.overLimit)} item(s) are over DynamoDB's 400 KB limit as DynamoDB measures: writes to them will fail`);
  const budget = r.maxRcu === null ? 'no read budget' : `budget ${r.maxRcu} RCU/s, waited ${(r.budgetWaitMs / 1000).toFixed(1)} s`;
  lines.push(`consumed ${r.consumedRcu} RCU (${r.rcuSource}), ${budget}`, '');
  lines.push(exitCode === 3 ? 'verdict: sessions near or over the item limit (exit 3); see `manga-oncall fix fleet --scenario 4`' : 'verdict: every session has headroom (exit 0)');
  return lines.join('\n');
}

/**
 * A progress line on stderr: redrawn in place on a TTY (at most 10 times a second); into a
 * log (--verbose without a TTY) one line a second and a last one at the end. `done()` ends
 * it; calling it twice is fine.
 */
export function progressReporter(stream: NodeJS.WriteStream, unit: string): { update(done: number, total: number | null, detail: string): void; done(): void } {
  const tty = Boolean(stream.isTTY);
  let last = 0;
  let latest: string | null = null;
  let shown: string | null = null;
  let finished = false;
  const show = (text: string) => {
    shown = text;
    stream.write(tty ? `\r${text}\x1b[K` : `[progress] ${text}\n`);
  };
  return {
    update(done, total, detail) {
      if (finished) return;
      const pct = total ? Math.min(1, done / total) : null;
      const bar = pct === null ? '' : `[${'#'.repeat(Math.round(pct * 30)).padEnd(30, '.')}] ${(pct * 100).toFixed(0).padStart(3)}% `;
      latest = `${bar}${n(done)}${total ? `/${n(total)}` : ''} ${unit}, ${detail}`;
      const now = Date.now();
      if (now - last < (tty ? 100 : 1000)) return;
      last = now;
      show(latest);
    },
    done() {
      if (finished) return;
      finished = true;
      if (tty) {
        if (shown !== null) stream.write('\r\x1b[K');
      } else if (latest !== null && latest !== shown) show(latest);
    },
  };
}
