#!/usr/bin/env node
// Launcher for the `cartograph` command. The CLI is TypeScript run by Node's own type stripping
// (Node 22.18+), so a checkout needs no build step before `npx cartograph`.
const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 22 || (major === 22 && minor < 19) || !process.features.typescript) {
  process.stderr.write(`cartograph: Node.js 22.19 or newer is required (this is ${process.version})\n`);
  process.exit(2);
}
const { main } = await import('../src/cli/main.ts');
process.exitCode = await main(process.argv.slice(2));
