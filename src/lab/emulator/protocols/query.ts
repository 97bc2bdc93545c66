/**
 * Decoding of the AWS query protocol's form parameters into the API's input shape.
 *
 * Clients flatten structures with dots and number list members from 1:
 * `MetricData.member.1.Dimensions.member.2.Name=Agent` (CloudWatch wraps list members in
 * `member`; ElastiCache names them, e.g. `CacheNodeIdsToReboot.CacheNodeId.1`), maps as
 * `Entries.entry.1.key` / `.value`, and an empty list as `Name=` with no value. Without
 * the model we recover lists from the numbering: a node whose keys are all 1..N is a list,
 * and a node with a single child holding such a list is a list wrapper.
 */

interface Tree {
  [key: string]: Tree | string;
}

/** Parameters that belong to the request envelope or to legacy signing, never to the input. */
function isEnvelopeParam(key: string): boolean {
  return key === 'Action' || key === 'Version' || key === 'AWSAccessKeyId' || key.startsWith('Signature') || key.startsWith('X-Amz-');
}

const INDEX = /^[1-9]\d*$/;

export interface QueryRequest {
  action: string | undefined;
  version: string | undefined;
  input: Record<string, unknown>;
}

/** Splits form parameters into the envelope (Action, Version) and the operation input. */
export function decodeQueryParams(params: URLSearchParams): QueryRequest {
  const root: Tree = Object.create(null) as Tree;
  for (const [key, value] of params) {
    if (isEnvelopeParam(key)) continue;
    insert(root, key.split('.'), value);
  }
  const input = normalize(root);
  return {
    action: params.get('Action') ?? undefined,
    version: params.get('Version') ?? undefined,
    input: isPlainObject(input) ? input : {},
  };
}

function insert(node: Tree, path: string[], value: string): void {
  const [head, ...rest] = path;
  if (head === undefined) return;
  if (rest.length === 0) {
    // A scalar never overwrites a subtree: `A=` (empty list) then `A.member.1=x` keeps the list.
    if (typeof node[head] !== 'object') node[head] = value;
    return;
  }
  let child = node[head];
  if (typeof child !== 'object') {
    child = Object.create(null) as Tree;
    node[head] = child;
  }
  insert(child, rest, value);
}

function allIndexes(tree: Tree): boolean {
  const keys = Object.keys(tree);
  return keys.length > 0 && keys.every((k) => INDEX.test(k));
}

function normalize(node: Tree | string): unknown {
  if (typeof node === 'string') return node;
  if (allIndexes(node)) return asList(node);
  const keys = Object.keys(node);
  if (keys.length === 1) {
    const only = keys[0] as string;
    const inner = node[only];
    if (typeof inner === 'object' && allIndexes(inner)) {
      return only === 'entry' ? asMap(inner) : asList(inner);
    }
  }
  return Object.fromEntries(keys.map((k) => [k, normalize(node[k] as Tree | string)]));
}

function asList(tree: Tree): unknown[] {
  return Object.keys(tree)
    .map(Number)
    .sort((a, b) => a - b)
    .map((i) => normalize(tree[String(i)] as Tree | string));
}

function asMap(tree: Tree): Record<string, unknown> {
  const entries: [string, unknown][] = [];
  for (const entry of asList(tree)) {
    if (isPlainObject(entry) && typeof entry.key === 'string') entries.push([entry.key, entry.value]);
  }
  return Object.fromEntries(entries);
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
