/**
 * SDK client options for the lab's endpoints: static lab credentials, the lab region, and
 * two retries: enough for a kept-alive socket the server closed just as it was reused
 * (ECONNRESET), few enough that a dead service fails fast. Clients are imported lazily by
 * each writer, so loading the seeder's plan costs no SDK.
 */
import { LAB_CREDENTIALS, LAB_REGION } from '../../endpoints.js';

export function labClientOptions(endpoint: string) {
  return { endpoint, region: LAB_REGION, credentials: { ...LAB_CREDENTIALS }, maxAttempts: 3 } as const;
}

/** s3rver needs path-style addressing and no streamed (aws-chunked) checksums. */
export const S3_LAB_EXTRAS = {
  forcePathStyle: true,
  requestChecksumCalculation: 'WHEN_REQUIRED',
  responseChecksumValidation: 'WHEN_REQUIRED',
} as const;
