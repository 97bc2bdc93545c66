/**
 * The exact size of a DynamoDB item, measured the way DynamoDB measures it (AWS Developer
 * Guide, "DynamoDB item sizes and formats"):
 *
 * - an attribute costs the UTF-8 bytes of its name plus the size of its value;
 * - a string costs its UTF-8 bytes (a Japanese character 3 bytes, an emoji 4);
 * - a binary value costs its raw bytes (not its base64 text);
 * - a number costs one byte per pair of significant digits plus one (see {@link numberSizeBytes});
 * - null and boolean cost 1 byte;
 * - a list or map costs 3 bytes plus 1 byte per element plus the elements (a map element
 *   also pays for its key's UTF-8 bytes);
 * - a set costs the sum of its elements (the guide is silent; this is what DynamoDB's
 *   behaviour as reproduced by dynalite shows).
 *
 * The seed estimated size with `len(json.dumps(item))`: Python's JSON escapes every
 * Japanese character to six bytes and every quote, colon and comma costs a byte, while
 * DynamoDB pays for list overhead and one-digit numbers that JSON gets cheaply. The two
 * disagree in both directions, so only this calculator decides whether an item fits.
 */
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { CoreError } from '../errors.js';

/** DynamoDB's hard item limit: 400 KB, where DynamoDB's KB is 1024 bytes. */
export const MAX_ITEM_BYTES = 400 * 1024;

/**
 * Room kept free below {@link MAX_ITEM_BYTES} when deciding that an item fits: the
 * orchestrator appends a turn (1-3 KB, tool results more) between size checks, and the
 * documented number rule is "approximately". 20 KB is the seed's intent, in DynamoDB's KB.
 */
export const ITEM_SIZE_HEADROOM_BYTES = 20 * 1024;

/** The largest item we write without compacting: {@link MAX_ITEM_BYTES} minus the headroom. */
export const SAFE_ITEM_BYTES = MAX_ITEM_BYTES - ITEM_SIZE_HEADROOM_BYTES;

const LIST_OR_MAP_OVERHEAD = 3;
const PER_ELEMENT_OVERHEAD = 1;

/** UTF-8 length of a string, as DynamoDB stores it. */
export function utf8Bytes(text: string): number {
  return Buffer.byteLength(text, 'utf8');
}

const NUMBER_TEXT = /^([+-])?(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/;

/**
 * Size of a DynamoDB number given as its decimal text (`"42"`, `"-1.5e-7"`).
 *
 * DynamoDB stores numbers in base 100: one byte per pair of significant digits, pairs
 * aligned on the decimal point, plus an exponent byte, plus a terminator byte for negative
 * numbers. So the guide's "(significant digits / 2) + 1" is exact for an odd digit count;
 * an even count whose pairs straddle the decimal point (`1.2` is `01|20`) takes one more
 * byte. Zero takes 1 byte. This is the rule dynalite implements (checked against it by a
 * property test).
 */
export function numberSizeBytes(text: string): number {
  const m = NUMBER_TEXT.exec(text.trim());
  if (!m || (m[2] === '' && (m[3] ?? '') === '')) {
    throw new CoreError('CORRUPT_DATA', `not a DynamoDB number: ${JSON.stringify(text.slice(0, 40))}`);
  }
  const negative = m[1] === '-';
  const intPart = m[2] ?? '';
  const allDigits = intPart + (m[3] ?? '');
  const exponent = m[4] === undefined ? 0 : Number.parseInt(m[4], 10);
  const leadingZeros = allDigits.length - allDigits.replace(/^0+/, '').length;
  const significant = allDigits.slice(leadingZeros).replace(/0+$/, '');
  if (significant.length === 0) return 1;
  // Power of ten of the first significant digit: value = d.ddd x 10^e.
  const e = intPart.length + exponent - leadingZeros - 1;
  const n = significant.length;
  const straddles = n % 2 === 0 && Math.abs(e) % 2 === 0;
  return 1 + Math.ceil(n / 2) + (straddles ? 1 : 0) + (negative ? 1 : 0);
}

/** The JavaScript value types lib-dynamodb marshalls (Set, Map, binary views, NumberValue included). */
export type NativeItem = Record<string, unknown>;

function isNumberValue(v: object): boolean {
  // lib-dynamodb's NumberValue, recognised by shape so this module stays free of the SDK.
  return v.constructor?.name === 'NumberValue' && 'value' in v;
}

function binaryByteLength(v: object): number | undefined {
  if (ArrayBuffer.isView(v)) return v.byteLength;
  if (v instanceof ArrayBuffer) return v.byteLength;
  return undefined;
}

/** Size of one plain JavaScript value as lib-dynamodb would marshall it; undefined and functions are dropped. */
function nativeValueSize(value: unknown): number {
  switch (typeof value) {
    case 'string':
      return utf8Bytes(value);
    case 'number':
      if (!Number.isFinite(value)) throw new CoreError('CORRUPT_DATA', `${value} cannot be stored in DynamoDB`);
      return numberSizeBytes(String(value));
    case 'bigint':
      return numberSizeBytes(value.toString());
    case 'boolean':
      return 1;
    case 'object':
      break;
    default:
      throw new CoreError('CORRUPT_DATA', `a ${typeof value} cannot be stored in DynamoDB`);
  }
  if (value === null) return 1;
  if (Array.isArray(value)) return listSize(value);
  const binary = binaryByteLength(value);
  if (binary !== undefined) return binary;
  if (value instanceof Set) {
    let sum = 0;
    for (const member of value) if (member !== undefined) sum += nativeValueSize(member);
    return sum;
  }
  if (isNumberValue(value)) return numberSizeBytes(String(value));
  if (value instanceof Map) return mapSize(value.entries());
  return mapSize(Object.entries(value));
}

function storable(v: unknown): boolean {
  return v !== undefined && typeof v !== 'function';
}

function listSize(values: readonly unknown[]): number {
  let sum = LIST_OR_MAP_OVERHEAD;
  for (const v of values) if (storable(v)) sum += PER_ELEMENT_OVERHEAD + nativeValueSize(v);
  return sum;
}

function mapSize(entries: Iterable<[unknown, unknown]>): number {
  let sum = LIST_OR_MAP_OVERHEAD;
  for (const [k, v] of entries) if (storable(v)) sum += PER_ELEMENT_OVERHEAD + utf8Bytes(String(k)) + nativeValueSize(v);
  return sum;
}

/**
 * The size DynamoDB will charge and limit for `item`, given as plain JavaScript values the
 * way `DynamoDBDocumentClient` takes them. Attributes whose value is `undefined` are not
 * counted (lib-dynamodb's `removeUndefinedValues`). Throws `CoreError('CORRUPT_DATA')` for a
 * value DynamoDB cannot hold (NaN, Infinity, a symbol).
 *
 * @example itemSizeBytes({ session_id: 'abc', content: 'ワンピース' }) // 10 + 3 + 7 + 15 = 35
 */
export function itemSizeBytes(item: NativeItem): number {
  let sum = 0;
  for (const [name, value] of Object.entries(item)) {
    if (storable(value)) sum += utf8Bytes(name) + nativeValueSize(value);
  }
  return sum;
}

function base64Bytes(b: Uint8Array | string): number {
  return typeof b === 'string' ? Buffer.from(b, 'base64').length : b.byteLength;
}

/** Size of one AttributeValue (`{S: ...}`, `{L: [...]}`, ...). */
export function attributeValueSizeBytes(av: AttributeValue): number {
  if (av.S !== undefined) return utf8Bytes(av.S);
  if (av.N !== undefined) return numberSizeBytes(av.N);
  if (av.B !== undefined) return base64Bytes(av.B);
  if (av.BOOL !== undefined || av.NULL !== undefined) return 1;
  if (av.SS !== undefined) return av.SS.reduce((s, x) => s + utf8Bytes(x), 0);
  if (av.NS !== undefined) return av.NS.reduce((s, x) => s + numberSizeBytes(x), 0);
  if (av.BS !== undefined) return av.BS.reduce((s, x) => s + base64Bytes(x), 0);
  if (av.L !== undefined) return av.L.reduce((s, x) => s + PER_ELEMENT_OVERHEAD + attributeValueSizeBytes(x), LIST_OR_MAP_OVERHEAD);
  if (av.M !== undefined) {
    return Object.entries(av.M).reduce((s, [k, x]) => s + PER_ELEMENT_OVERHEAD + utf8Bytes(k) + attributeValueSizeBytes(x), LIST_OR_MAP_OVERHEAD);
  }
  throw new CoreError('CORRUPT_DATA', 'an AttributeValue with no known type');
}

/** {@link itemSizeBytes} for an item already in wire form (`Record<string, AttributeValue>`). */
export function attributeMapSizeBytes(item: Record<string, AttributeValue>): number {
  let sum = 0;
  for (const [name, av] of Object.entries(item)) sum += utf8Bytes(name) + attributeValueSizeBytes(av);
  return sum;
}
