import type { IncomingHttpHeaders } from 'node:http';
import { EmulatorError } from '../types.js';
import { CBOR_CONTENT_TYPE, decodeCborBody, encodeCbor, parseRpcV2Path } from './cbor.js';
import { decodeJsonBody, errorTypeName, jsonContentType, jsonErrorBody, queryCompatHeaders, toJsonValue } from './json.js';
import { decodeQueryParams } from './query.js';
import { SERVICE_WIRES, queryErrorCode, type ServiceWire } from './service-wire.js';
import { xmlError, xmlResult } from './xml.js';

/**
 * Recognises which protocol, service and operation an HTTP request speaks, decodes its
 * input, and encodes results and errors back in the same protocol. Signals, strongest first:
 * `smithy-protocol: rpc-v2-cbor` with an RPC v2 path; `X-Amz-Target`; a form-encoded
 * `Action` (service by `Version`, else by the SigV4 credential scope). Signatures are not
 * verified: the lab accepts any credentials.
 */
export type WireProtocol = 'json' | 'query' | 'cbor';

export interface HttpRequestParts {
  method: string;
  /** Path without the query string. */
  path: string;
  /** The raw query string, without `?`. */
  search: string;
  headers: IncomingHttpHeaders;
  /** The body, already decompressed. */
  body: Buffer;
}

/** A decoded API call. */
export interface WireCall {
  protocol: WireProtocol;
  wire: ServiceWire;
  operation: string;
  input: Record<string, unknown>;
  /** The access key of the request's SigV4 credential scope, when it was signed. */
  accessKeyId?: string;
}

export interface WireReply {
  status: number;
  headers: Record<string, string>;
  body: Buffer | string;
}

/** A request that could not be decoded; carries what is known, to answer in kind. */
export class UndecodableRequest extends Error {
  constructor(
    readonly protocol: WireProtocol,
    readonly wire: ServiceWire | undefined,
    readonly error: EmulatorError,
  ) {
    super(error.message);
    this.name = 'UndecodableRequest';
  }
}

function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const v = headers[name];
  return Array.isArray(v) ? v[0] : v;
}

/** The access key id from the SigV4 credential scope (header or presigned query), if any. */
export function accessKeyIdOf(headers: IncomingHttpHeaders, params?: URLSearchParams): string | undefined {
  const auth = header(headers, 'authorization');
  const credential = auth !== undefined ? /Credential=([^,\s]+)/.exec(auth)?.[1] : (params?.get('X-Amz-Credential') ?? undefined);
  const key = credential?.split('/')[0];
  return key ? key : undefined;
}

/** The SigV4 signing name from `Authorization: ... Credential=AKID/date/region/<service>/aws4_request`. */
export function signingNameOf(headers: IncomingHttpHeaders, params?: URLSearchParams): string | undefined {
  const auth = header(headers, 'authorization');
  const credential = auth !== undefined ? /Credential=([^,\s]+)/.exec(auth)?.[1] : (params?.get('X-Amz-Credential') ?? undefined);
  const scope = credential?.split('/');
  return scope?.length === 5 ? scope[3] : undefined;
}

function isFormRequest(req: HttpRequestParts): boolean {
  const type = header(req.headers, 'content-type') ?? '';
  if (type.startsWith('application/x-www-form-urlencoded')) return true;
  return req.method === 'GET' && new URLSearchParams(req.search).has('Action');
}

/** Decodes one API request; throws UndecodableRequest when it names nothing we serve. */
export function decodeCall(req: HttpRequestParts): WireCall {
  const call = decodeOperation(req);
  const params = isFormRequest(req) ? new URLSearchParams(req.method === 'GET' ? req.search : req.body.toString('utf8')) : undefined;
  const accessKeyId = accessKeyIdOf(req.headers, params);
  return accessKeyId ? { ...call, accessKeyId } : call;
}

function decodeOperation(req: HttpRequestParts): WireCall {
  if (header(req.headers, 'smithy-protocol') === 'rpc-v2-cbor') {
    const target = parseRpcV2Path(req.path);
    const wire = target && SERVICE_WIRES.find((w) => w.targetPrefix === target.service);
    if (!target || !wire) {
      throw new UndecodableRequest('cbor', undefined, new EmulatorError('UnknownOperationException', `No service answers ${req.path}.`, 404));
    }
    return { protocol: 'cbor', wire, operation: target.operation, input: guard('cbor', wire, () => decodeCborBody(req.body)) };
  }
  const amzTarget = header(req.headers, 'x-amz-target');
  if (amzTarget !== undefined) {
    const dot = amzTarget.lastIndexOf('.');
    const prefix = amzTarget.slice(0, dot);
    const wire = SERVICE_WIRES.find((w) => w.jsonVersion !== undefined && w.targetPrefix === prefix);
    if (dot < 0 || !wire) {
      throw new UndecodableRequest('json', undefined, new EmulatorError('UnknownOperationException', `Unknown target ${amzTarget}.`));
    }
    return { protocol: 'json', wire, operation: amzTarget.slice(dot + 1), input: guard('json', wire, () => decodeJsonBody(req.body)) };
  }
  if (isFormRequest(req)) {
    const params = new URLSearchParams(req.method === 'GET' ? req.search : req.body.toString('utf8'));
    const { action, version, input } = decodeQueryParams(params);
    const signingName = signingNameOf(req.headers, params);
    const wire =
      SERVICE_WIRES.find((w) => w.queryVersion !== undefined && w.queryVersion === version) ??
      SERVICE_WIRES.find((w) => w.queryVersion !== undefined && w.signingName === signingName);
    if (!wire) {
      throw new UndecodableRequest('query', undefined, new EmulatorError('InvalidAction', `No service answers Version=${version ?? ''}.`));
    }
    if (!action) throw new UndecodableRequest('query', wire, new EmulatorError('MissingAction', 'The request must contain the parameter Action.'));
    return { protocol: 'query', wire, operation: action, input };
  }
  throw new UndecodableRequest('json', undefined, new EmulatorError('UnknownOperationException', `Unrecognised request ${req.method} ${req.path}.`, 404));
}

function guard(protocol: WireProtocol, wire: ServiceWire, decode: () => Record<string, unknown>): Record<string, unknown> {
  try {
    return decode();
  } catch (err) {
    if (err instanceof EmulatorError) throw new UndecodableRequest(protocol, wire, err);
    throw err;
  }
}

/** The response to a successful call, in the call's protocol. */
export function encodeResult(call: WireCall, output: Record<string, unknown>, requestId: string): WireReply {
  const base = { 'x-amzn-requestid': requestId };
  switch (call.protocol) {
    case 'cbor':
      return { status: 200, headers: { ...base, 'content-type': CBOR_CONTENT_TYPE, 'smithy-protocol': 'rpc-v2-cbor' }, body: encodeCbor(output) };
    case 'json':
      return { status: 200, headers: { ...base, 'content-type': jsonContentType(call.wire) }, body: JSON.stringify(toJsonValue(output)) };
    case 'query':
      return { status: 200, headers: { ...base, 'content-type': 'text/xml' }, body: xmlResult(call.wire, call.operation, output, requestId) };
  }
}

/** The response to a failed call, in the protocol the client spoke. */
export function encodeError(protocol: WireProtocol, wire: ServiceWire | undefined, err: EmulatorError, requestId: string): WireReply {
  const base = { 'x-amzn-requestid': requestId };
  switch (protocol) {
    case 'cbor':
      return {
        status: err.status,
        headers: { ...base, ...queryCompatHeaders(wire, err), 'content-type': CBOR_CONTENT_TYPE, 'smithy-protocol': 'rpc-v2-cbor' },
        body: encodeCbor({ __type: errorTypeName(wire, err.code), message: err.message }),
      };
    case 'json':
      return {
        status: err.status,
        headers: { ...base, ...queryCompatHeaders(wire, err), 'content-type': jsonContentType(wire), 'x-amzn-errortype': err.code },
        body: jsonErrorBody(wire, err),
      };
    case 'query': {
      const code = wire ? queryErrorCode(wire, err.code) : err.code;
      return { status: err.status, headers: { ...base, 'content-type': 'text/xml' }, body: xmlError(wire, code, err.message, err.status < 500, requestId) };
    }
  }
}
