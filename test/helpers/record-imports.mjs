// `node --import ./test/helpers/record-imports.mjs …`: appends every bare package a process
// imports to the file named by RECORD_IMPORTS, one a line; with RECORD_IMPORTS_ALL=1, the URL of
// every module it loads that is not a node: built-in instead. Tests use it to check which
// libraries and modules a command loads, without timing anything.
import { register } from 'node:module';

if (process.env.RECORD_IMPORTS)
  register('./record-imports-hook.mjs', import.meta.url, {
    data: { file: process.env.RECORD_IMPORTS, all: process.env.RECORD_IMPORTS_ALL === '1' },
  });
