/**
 * Parses a size flag such as `380KB`, `0.5MB`, `389120` or `389120B`. KB and MB are 1024 and
 * 1024² bytes, as DynamoDB counts them (its 400 KB item limit is 409,600 bytes); `KiB`/`MiB`
 * are accepted as the same. Returns null for anything else, so the caller reports a usage error.
 */
export function parseByteSize(text: string): number | null {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(b|kb|kib|k|mb|mib|m)?\s*$/i.exec(text);
  if (!m) return null;
  const unit = (m[2] ?? 'b').toLowerCase();
  const factor = unit.startsWith('k') ? 1024 : unit.startsWith('m') ? 1024 * 1024 : 1;
  const bytes = Math.round(Number(m[1]) * factor);
  return Number.isSafeInteger(bytes) ? bytes : null;
}

/** `389120` -> `380.0 KB` (1024-byte KB, as DynamoDB). */
export function formatKb(bytes: number): string {
  return `${(bytes / 1024).toFixed(1)} KB`;
}
