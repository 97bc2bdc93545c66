import type { ServiceName } from '../types.js';

/**
 * How one emulated service appears on the wire: the names every protocol uses to address
 * it, and the per-service details the codecs need but a plain output object cannot carry
 * (XML list member element names, query error codes that differ from exception names).
 *
 * The values come from the services' Smithy/botocore models (metadata, `locationName` of
 * list members, `awsQueryError` traits), not from guesswork; see docs/ARCHITECTURE.md.
 */
export interface ServiceWire {
  readonly name: ServiceName;
  /** JSON RPC `X-Amz-Target` prefix; also the `<Service>` segment of RPC v2 CBOR paths. */
  readonly targetPrefix: string;
  /** JSON RPC version the service speaks, if it speaks JSON at all. */
  readonly jsonVersion?: '1.0' | '1.1';
  /** Query protocol `Version` parameter, if the service speaks the query protocol. */
  readonly queryVersion?: string;
  /** Namespace of the query protocol's XML responses. */
  readonly xmlNamespace?: string;
  /** SigV4 signing name, as found in the Authorization header's credential scope. */
  readonly signingName: string;
  /** Smithy namespace used to qualify JSON/CBOR `__type` error names. */
  readonly smithyNamespace: string;
  /**
   * awsQueryCompatible services (CloudWatch) also send the query error code in the
   * `x-amzn-query-error: Code;Sender|Receiver` header on JSON and CBOR errors; the SDKs
   * take `err.name` from it.
   */
  readonly queryCompatible: boolean;
  /** Exception shape name -> query error code, only where the two differ. */
  readonly queryErrorCodes: Readonly<Record<string, string>>;
  /** XML element name of a list's members, keyed by the list member's name; default `member`. */
  readonly xmlListMembers: Readonly<Record<string, string>>;
}

export const LOGS_WIRE: ServiceWire = {
  name: 'logs',
  targetPrefix: 'Logs_20140328',
  jsonVersion: '1.1',
  signingName: 'logs',
  smithyNamespace: 'com.amazonaws.cloudwatchlogs',
  queryCompatible: false,
  queryErrorCodes: {},
  xmlListMembers: {},
};

export const MONITORING_WIRE: ServiceWire = {
  name: 'monitoring',
  targetPrefix: 'GraniteServiceVersion20100801',
  jsonVersion: '1.0',
  queryVersion: '2010-08-01',
  xmlNamespace: 'http://monitoring.amazonaws.com/doc/2010-08-01/',
  signingName: 'monitoring',
  smithyNamespace: 'com.amazonaws.cloudwatch',
  queryCompatible: true,
  // From the model's awsQueryError traits (botocore `error.code`).
  queryErrorCodes: {
    DashboardInvalidInputError: 'InvalidParameterInput',
    DashboardNotFoundError: 'ResourceNotFound',
    InternalServiceFault: 'InternalServiceError',
    InvalidFormatFault: 'InvalidFormat',
    InvalidParameterCombinationException: 'InvalidParameterCombination',
    InvalidParameterValueException: 'InvalidParameterValue',
    LimitExceededFault: 'LimitExceeded',
    MissingRequiredParameterException: 'MissingParameter',
  },
  xmlListMembers: {},
};

export const ELASTICACHE_WIRE: ServiceWire = {
  name: 'elasticache',
  // The Smithy service name; ElastiCache speaks only the query protocol, so it is never on the wire.
  targetPrefix: 'AmazonElastiCacheV9',
  queryVersion: '2015-02-02',
  xmlNamespace: 'http://elasticache.amazonaws.com/doc/2015-02-02/',
  signingName: 'elasticache',
  smithyNamespace: 'com.amazonaws.elasticache',
  queryCompatible: false,
  queryErrorCodes: {
    InvalidParameterValueException: 'InvalidParameterValue',
    InvalidParameterCombinationException: 'InvalidParameterCombination',
    InvalidARNFault: 'InvalidARN',
  },
  // ElastiCache names its list members (botocore `member.locationName`); the SDKs ignore
  // members under any other element name, so these must match the model exactly.
  xmlListMembers: {
    ReplicationGroups: 'ReplicationGroup',
    NodeGroups: 'NodeGroup',
    NodeGroupMembers: 'NodeGroupMember',
    MemberClusters: 'ClusterId',
    MemberClustersOutpostArns: 'ReplicationGroupOutpostArn',
    LogDeliveryConfigurations: 'LogDeliveryConfiguration',
    Events: 'Event',
  },
};

export const STS_WIRE: ServiceWire = {
  name: 'sts',
  // The Smithy service name; STS speaks only the query protocol here, so it is never on the wire.
  targetPrefix: 'AWSSecurityTokenServiceV20110615',
  queryVersion: '2011-06-15',
  xmlNamespace: 'https://sts.amazonaws.com/doc/2011-06-15/',
  signingName: 'sts',
  smithyNamespace: 'com.amazonaws.sts',
  queryCompatible: false,
  queryErrorCodes: {},
  xmlListMembers: {},
};

export const SERVICE_WIRES: readonly ServiceWire[] = [LOGS_WIRE, MONITORING_WIRE, ELASTICACHE_WIRE, STS_WIRE];

export function wireOf(name: ServiceName): ServiceWire {
  const wire = SERVICE_WIRES.find((w) => w.name === name);
  if (!wire) throw new Error(`no wire description for service ${name}`);
  return wire;
}

/** The query error code for an exception name (identical unless the model says otherwise). */
export function queryErrorCode(wire: ServiceWire, exceptionName: string): string {
  return wire.queryErrorCodes[exceptionName] ?? exceptionName;
}
