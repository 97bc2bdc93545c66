/**
 * Redis Cluster key slots (CRC16-XMODEM of the key or of its first non-empty `{hash tag}`,
 * modulo 16384), as specified in the Redis Cluster spec. Computed here rather than taken
 * from a transitive dependency of ioredis: the core must know which node owns a session
 * to run WATCH and MULTI on that node's connection.
 */
export const CLUSTER_SLOTS = 16384;

function crc16(bytes: Uint8Array): number {
  let crc = 0;
  for (const byte of bytes) {
    crc ^= byte << 8;
    for (let bit = 0; bit < 8; bit++) crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
  }
  return crc;
}

/** The part of the key that is hashed: the first `{...}` with something inside, else the whole key. */
export function hashTagOf(key: string): string {
  const open = key.indexOf('{');
  if (open === -1) return key;
  const close = key.indexOf('}', open + 1);
  if (close === -1 || close === open + 1) return key;
  return key.slice(open + 1, close);
}

/** The cluster slot of a key. */
export function hashSlot(key: string): number {
  return crc16(Buffer.from(hashTagOf(key), 'utf8')) % CLUSTER_SLOTS;
}
