/**
 * JSON handling shared by filter patterns and Logs Insights: a cheap "might this be JSON"
 * test and the flattening Insights uses to discover fields (`a.b`, arrays as `a.0`).
 */

export type JsonScalar = string | number | boolean | null;
export type JsonValue = JsonScalar | JsonValue[] | { [key: string]: JsonValue };

/**
 * Parses a message that is a JSON object or array; anything else (plain text, a bare JSON
 * string or number, broken JSON) is `undefined`, as CloudWatch treats such events as
 * unstructured. The first-character test keeps plain-text events from paying for a throw.
 */
export function parseJsonMessage(message: string): JsonValue | undefined {
  let i = 0;
  while (i < message.length && isSpace(message.charCodeAt(i))) i++;
  const first = message[i];
  if (first !== '{' && first !== '[') return undefined;
  try {
    return JSON.parse(message) as JsonValue;
  } catch {
    return undefined;
  }
}

function isSpace(code: number): boolean {
  return code === 32 || code === 9 || code === 10 || code === 13;
}

/**
 * The value of a discovered field, read straight from the parsed document without
 * flattening it: `a.b` walks objects, `list.0` indexes arrays. Only scalar leaves are field
 * values (objects, arrays and nulls are not). A key that itself contains dots (`{"a.b": 1}`)
 * is found too, as flattening would name it the same.
 */
export function lookupField(doc: JsonValue | undefined, name: string): string | number | boolean | undefined {
  if (doc === undefined || doc === null || typeof doc !== 'object') return undefined;
  // Fast path: a top-level key. Inherited members (toString, __proto__) are functions or
  // objects, so the scalar test below also keeps the prototype out.
  const direct = Array.isArray(doc) ? undefined : doc[name];
  if (typeof direct === 'string' || typeof direct === 'number' || typeof direct === 'boolean') return direct;
  if (!name.includes('.') && !Array.isArray(doc)) return undefined;
  let cur: JsonValue | undefined = doc;
  for (const step of name.split('.')) {
    if (cur === null || typeof cur !== 'object') return undefined;
    if (Array.isArray(cur)) {
      cur = /^\d+$/.test(step) ? cur[Number(step)] : undefined;
    } else {
      cur = Object.hasOwn(cur, step) ? cur[step] : undefined;
    }
  }
  return typeof cur === 'string' || typeof cur === 'number' || typeof cur === 'boolean' ? cur : undefined;
}

/**
 * Flattens a JSON document into dot-path leaves, the way Logs Insights discovers fields:
 * `{"a":{"b":1},"c":[{"d":2}]}` gives `a.b = 1` and `c.0.d = 2`. JSON nulls are dropped
 * (Insights treats a null field as absent), and empty objects or arrays produce nothing.
 */
export function flattenJson(doc: JsonValue): Map<string, string | number | boolean> {
  const out = new Map<string, string | number | boolean>();
  const walk = (value: JsonValue, path: string): void => {
    if (value === null) return;
    if (Array.isArray(value)) {
      value.forEach((item, i) => walk(item, path === '' ? String(i) : `${path}.${i}`));
      return;
    }
    if (typeof value === 'object') {
      for (const [key, item] of Object.entries(value)) walk(item, path === '' ? key : `${path}.${key}`);
      return;
    }
    if (path !== '') out.set(path, value);
  };
  walk(doc, '');
  return out;
}
