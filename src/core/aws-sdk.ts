/**
 * The AWS SDK clients, loaded with `require`. Each ships CommonJS with no "type" and no
 * "exports" map: `import()` of one makes Node's ESM loader first sniff its entry for ES
 * syntax and lex it for named exports (a client's entry is 60-270 KB) before CommonJS loads
 * it anyway. Loading the five clients `diagnose` uses that way took 330-350 ms here against
 * 215-225 ms with `require`: a tenth of a cold `diagnose`. Same module instances either way
 * (an ES import of a package already required reuses it), so `instanceof` and SDK
 * middleware are unaffected. Types come from the packages themselves.
 */
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

export interface SdkModules {
  '@aws-sdk/client-cloudwatch': typeof import('@aws-sdk/client-cloudwatch');
  '@aws-sdk/client-cloudwatch-logs': typeof import('@aws-sdk/client-cloudwatch-logs');
  '@aws-sdk/client-dynamodb': typeof import('@aws-sdk/client-dynamodb');
  '@aws-sdk/client-elasticache': typeof import('@aws-sdk/client-elasticache');
  '@aws-sdk/client-s3': typeof import('@aws-sdk/client-s3');
  '@aws-sdk/client-sts': typeof import('@aws-sdk/client-sts');
}

/** One SDK client package, loaded on first use (callers `await` it where they used `import()`). */
export async function loadSdk<P extends keyof SdkModules>(pkg: P): Promise<SdkModules[P]> {
  return require(pkg) as SdkModules[P];
}
