import type { ServiceWire } from './service-wire.js';

/**
 * Query protocol responses: `<{Op}Response xmlns><{Op}Result>...</{Op}Result>
 * <ResponseMetadata><RequestId/></ResponseMetadata></{Op}Response>` for results and
 * `<ErrorResponse><Error><Type/><Code/><Message/></Error><RequestId/></ErrorResponse>` for
 * errors. Output values map as the query protocol's XML does: structures and lists nest
 * (lists wrap each item in the service's member element), `Map` instances become
 * `<entry><key/><value/></entry>`, dates are ISO 8601, numbers and booleans are text.
 */

// A raw CR would be normalised away by the reader's XML parser; the reference keeps it.
const XML_ENTITIES: Record<string, string> = { '&': 'amp', '<': 'lt', '>': 'gt', '"': 'quot', "'": 'apos', '\r': '#13' };

export function escapeXml(text: string): string {
  // XML 1.0 cannot carry most C0 controls, not even as entities: they would break every parser.
  return text.replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F]/g, '\uFFFD').replace(/[&<>"'\r]/g, (c) => `&${XML_ENTITIES[c]};`);
}

function scalarText(value: unknown): string | undefined {
  if (value instanceof Date) return value.toISOString();
  if (typeof value === 'string') return escapeXml(value);
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : undefined;
  if (typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  return undefined;
}

function element(name: string, value: unknown, wire: ServiceWire): string {
  if (value === undefined || value === null) return '';
  if (Array.isArray(value)) {
    const memberName = wire.xmlListMembers[name] ?? 'member';
    return `<${name}>${value.map((item) => element(memberName, item, wire)).join('')}</${name}>`;
  }
  if (value instanceof Map) {
    const entries = [...value].map(([k, v]) => `<entry>${element('key', k, wire)}${element('value', v, wire)}</entry>`);
    return `<${name}>${entries.join('')}</${name}>`;
  }
  const text = scalarText(value);
  if (text !== undefined) return `<${name}>${text}</${name}>`;
  if (typeof value === 'object') return `<${name}>${members(value as Record<string, unknown>, wire)}</${name}>`;
  return '';
}

function members(struct: Record<string, unknown>, wire: ServiceWire): string {
  return Object.entries(struct)
    .map(([k, v]) => element(k, v, wire))
    .join('');
}

/** The XML document for a successful query protocol call. */
export function xmlResult(wire: ServiceWire, operation: string, output: Record<string, unknown>, requestId: string): string {
  const ns = wire.xmlNamespace ? ` xmlns="${wire.xmlNamespace}"` : '';
  const result = Object.keys(output).length > 0 ? `<${operation}Result>${members(output, wire)}</${operation}Result>` : '';
  return (
    `<?xml version="1.0" encoding="UTF-8"?>\n<${operation}Response${ns}>${result}` +
    `<ResponseMetadata><RequestId>${requestId}</RequestId></ResponseMetadata></${operation}Response>`
  );
}

/** The XML document for a query protocol error; `sender` is false for server faults (5xx). */
export function xmlError(wire: ServiceWire | undefined, code: string, message: string, sender: boolean, requestId: string): string {
  const ns = wire?.xmlNamespace ? ` xmlns="${wire.xmlNamespace}"` : '';
  return (
    `<?xml version="1.0" encoding="UTF-8"?>\n<ErrorResponse${ns}><Error><Type>${sender ? 'Sender' : 'Receiver'}</Type>` +
    `<Code>${escapeXml(code)}</Code><Message>${escapeXml(message)}</Message></Error>` +
    `<RequestId>${requestId}</RequestId></ErrorResponse>`
  );
}
