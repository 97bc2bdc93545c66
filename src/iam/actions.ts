/**
 * Which IAM action authorises each AWS SDK v3 command the code sends. For the service
 * clients (`@aws-sdk/client-*`) the action is the operation's name with the service's IAM
 * prefix (`StartQueryCommand` -> `logs:StartQuery`); the exceptions are the commands whose
 * operation is authorised by another action (S3 `HeadObject` needs `s3:GetObject`), the
 * document client of `@aws-sdk/lib-dynamodb` whose commands are renamed wrappers (`GetCommand`
 * is `GetItem`), and STS `GetCallerIdentity`, which needs no permission at all.
 */

/** The SDK packages whose commands the code may send. */
export const SDK_PACKAGES = [
  '@aws-sdk/client-cloudwatch-logs',
  '@aws-sdk/client-cloudwatch',
  '@aws-sdk/client-elasticache',
  '@aws-sdk/client-dynamodb',
  '@aws-sdk/lib-dynamodb',
  '@aws-sdk/client-s3',
  '@aws-sdk/client-sts',
] as const;
export type SdkPackage = (typeof SDK_PACKAGES)[number];

/** The IAM service prefix of each package. */
export const IAM_PREFIX: Readonly<Record<SdkPackage, string>> = {
  '@aws-sdk/client-cloudwatch-logs': 'logs',
  '@aws-sdk/client-cloudwatch': 'cloudwatch',
  '@aws-sdk/client-elasticache': 'elasticache',
  '@aws-sdk/client-dynamodb': 'dynamodb',
  '@aws-sdk/lib-dynamodb': 'dynamodb',
  '@aws-sdk/client-s3': 's3',
  '@aws-sdk/client-sts': 'sts',
};

/** `package#Command` -> actions, where the rule "prefix:Operation" does not hold. */
const EXCEPTIONS: Readonly<Record<string, readonly string[]>> = {
  // The document client's commands marshal and call these operations.
  '@aws-sdk/lib-dynamodb#GetCommand': ['dynamodb:GetItem'],
  '@aws-sdk/lib-dynamodb#PutCommand': ['dynamodb:PutItem'],
  '@aws-sdk/lib-dynamodb#UpdateCommand': ['dynamodb:UpdateItem'],
  '@aws-sdk/lib-dynamodb#DeleteCommand': ['dynamodb:DeleteItem'],
  '@aws-sdk/lib-dynamodb#ScanCommand': ['dynamodb:Scan'],
  '@aws-sdk/lib-dynamodb#QueryCommand': ['dynamodb:Query'],
  '@aws-sdk/lib-dynamodb#BatchGetCommand': ['dynamodb:BatchGetItem'],
  '@aws-sdk/lib-dynamodb#BatchWriteCommand': ['dynamodb:BatchWriteItem'],
  '@aws-sdk/lib-dynamodb#TransactGetCommand': ['dynamodb:GetItem'],
  '@aws-sdk/lib-dynamodb#TransactWriteCommand': ['dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem', 'dynamodb:ConditionCheckItem'],
  // S3 authorises by object and bucket verbs, not by API operation.
  '@aws-sdk/client-s3#HeadObjectCommand': ['s3:GetObject'],
  '@aws-sdk/client-s3#HeadBucketCommand': ['s3:ListBucket'],
  '@aws-sdk/client-s3#ListObjectsV2Command': ['s3:ListBucket'],
  '@aws-sdk/client-s3#ListObjectsCommand': ['s3:ListBucket'],
  '@aws-sdk/client-s3#CopyObjectCommand': ['s3:GetObject', 's3:PutObject'],
  // Anyone may ask who they are; an explicit Deny cannot even stop it.
  '@aws-sdk/client-sts#GetCallerIdentityCommand': [],
};

/**
 * The IAM actions a command needs, or undefined for a lib-dynamodb command this table does
 * not know (its wrapped operation cannot be guessed from its name).
 *
 * @example iamActionsOf('@aws-sdk/client-cloudwatch-logs', 'StartQueryCommand') // ['logs:StartQuery']
 */
export function iamActionsOf(sdk: SdkPackage, command: string): readonly string[] | undefined {
  const exception = EXCEPTIONS[`${sdk}#${command}`];
  if (exception) return exception;
  if (sdk === '@aws-sdk/lib-dynamodb' || !command.endsWith('Command')) return undefined;
  return [`${IAM_PREFIX[sdk]}:${command.slice(0, -'Command'.length)}`];
}

/** Actions that change data or configuration: none may appear in the read-only policy. */
export function isWriteAction(action: string): boolean {
  const verb = action.split(':')[1] ?? '';
  return /^(Put|Update|Delete|BatchWrite|Create|Modify|Set|Restore|Tag|Untag|Copy|Reboot|Test|Increase|Decrease|Start(?!Query)|Stop(?!Query))/.test(verb);
}
