#!/usr/bin/env node
// Runs src/ compiled to JavaScript (bin/compiled.mjs: built on the first run after a change, so
// `npm ci && npm start` still needs no build step). Where dist/ cannot be written (a read-only
// install), the TypeScript runs directly through tsx, which starts slower.
import { compiledEntry } from './compiled.mjs';

let entry;
try {
  entry = await compiledEntry();
} catch (e) {
  if (process.env.LOG_LEVEL === 'debug') console.error(`trajanus: running src/ through tsx (${e.message})`);
}
if (entry) await import(entry);
else {
  const { register } = await import('tsx/esm/api');
  register();
  await import('../src/cli.ts');
}
