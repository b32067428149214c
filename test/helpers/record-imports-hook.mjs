// Module resolve hook for record-imports.mjs (runs on the loader thread).
import { appendFileSync } from 'node:fs';

let file;
let all = false;
export function initialize(data) {
  file = data.file;
  all = data.all;
}

export async function resolve(specifier, context, next) {
  const resolved = await next(specifier, context);
  if (all ? !resolved.url.startsWith('node:') : !/^(\.|\/|node:|file:|data:)/.test(specifier))
    appendFileSync(file, `${all ? resolved.url : specifier}\n`);
  return resolved;
}
