#!/usr/bin/env node
// The AWS SDK warns about Node 20 on stderr when a client is built; an on-call terminal
// is no place for it. Set before anything can import the SDK (it reads this at emit time).
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
const { main } = await import('../dist/cli/main.js');
await main(process.argv);
