import { defineConfig } from 'vitest/config';

// Integration tests start real redis-server processes, dynalite and s3rver; on a
// 2-core machine too many files in parallel only adds contention, so forks are capped.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    pool: 'forks',
    poolOptions: { forks: { maxForks: 3, minForks: 1 } },
    testTimeout: 60_000,
    hookTimeout: 60_000,
    env: { FORCE_COLOR: '0', AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
  },
});
