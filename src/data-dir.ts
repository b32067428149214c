// The environment as the configuration reads it, and where it puts the embedded database. Apart
// from config.ts because `ask` and `search` look here for the socket of a running `trajanus start`
// before anything else loads: config.ts's zod schema alone costs a served ask more than Node's own
// start. config.ts takes its default and its reading of the environment from here, so the two
// cannot disagree on the folder. Only node: built-ins, and dotenv only when there is a .env file.
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { resolve } from 'node:path';

/** TRAJANUS_DATA_DIR when unset (relative: to the working directory, as every path setting is). */
export const DEFAULT_DATA_DIR = './data';

/** Reads `.env` (if present) under the real environment: a set variable always wins. */
export function readEnvironment(env: NodeJS.ProcessEnv = process.env, dotenvPath = resolve('.env')): Record<string, string | undefined> {
  // Required on demand (a synchronous load, as loadConfig is synchronous): most runs have no .env.
  const fromFile = existsSync(dotenvPath)
    ? (createRequire(import.meta.url)('dotenv') as typeof import('dotenv')).parse(readFileSync(dotenvPath))
    : {};
  const merged: Record<string, string | undefined> = { ...fromFile, ...env };
  // An empty variable means "unset", as in most twelve-factor apps; zod would reject '' for urls.
  for (const k of Object.keys(merged)) if (merged[k] === '') delete merged[k];
  return merged;
}

/**
 * The absolute folder of the embedded database these variables (readEnvironment's) select, or null
 * when DATABASE_URL selects PostgreSQL. Whether the rest of the configuration is valid is not
 * checked here: only config.ts can say that.
 */
export function embeddedDataDir(vars: Record<string, string | undefined>): string | null {
  if (vars.DATABASE_URL !== undefined) return null;
  return resolve(vars.TRAJANUS_DATA_DIR ?? DEFAULT_DATA_DIR);
}
