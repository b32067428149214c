// `node --import ./test/helpers/record-imports.mjs …`: appends every bare package a process
// imports to the file named by RECORD_IMPORTS, one a line. Tests use it to check which heavy
// libraries a command loads, without timing anything.
import { register } from 'node:module';

if (process.env.RECORD_IMPORTS) register('./record-imports-hook.mjs', import.meta.url, { data: { file: process.env.RECORD_IMPORTS } });
