import type { Config } from '../../config/schema.js';
import { profileContext } from '../../sources/aws-config.js';
import { callAws } from '../../sources/timeout.js';
import type { DoctorCheck } from '../types.js';
import { loadSdk } from '../../core/aws-sdk.js';

/**
 * DynamoDB: a one-item Scan page of each table, keys only. Scan is what diagnose and
 * `scan dynamodb` run on these tables, so a pass proves the right they need; a missing
 * table is ResourceNotFound. One item costs half a read unit.
 */
function tableCheck(id: string, table: (c: Config) => string, key: string): DoctorCheck {
  return {
    id,
    source: 'dynamodb',
    name: (config) => `DynamoDB table ${table(config)}`,
    load: () => Promise.all([import('../../sources/dynamodb.js'), loadSdk('@aws-sdk/client-dynamodb'), import('@aws-sdk/lib-dynamodb'), import('@smithy/node-http-handler')]),
    async run({ config, timeoutMs, signal }) {
      const [{ DynamoSource }, { ScanCommand }] = await Promise.all([import('../../sources/dynamodb.js'), import('@aws-sdk/lib-dynamodb')]);
      const source = new DynamoSource(config, { timeoutMs });
      const name = table(config);
      try {
        const doc = await source.documentClient();
        const page = await callAws(
          'dynamodb',
          timeoutMs,
          (abortSignal) => doc.send(new ScanCommand({ TableName: name, Limit: 1, ProjectionExpression: '#k', ExpressionAttributeNames: { '#k': key } }), { abortSignal }),
          { ...profileContext(config, `Scan ${name}`), signal },
        );
        const seen = (page.Items?.length ?? 0) > 0 ? 'has items' : 'empty';
        return [{ id, source: 'dynamodb', name: `DynamoDB table ${name}`, status: 'ok', detail: `Scan allowed (table ${seen})` }];
      } finally {
        source.close();
      }
    },
  };
}

export const sessionsTableCheck = tableCheck('dynamodb.sessions', (c) => c.names.sessionsTable, 'session_id');
export const productsTableCheck = tableCheck('dynamodb.products', (c) => c.names.productsTable, 'product_id');
