// `trajanus <command>`: each command is a module in src/commands, loaded only when used so that
// `trajanus status` does not pay for Slack or the embedding model.
import { setFlagsFromString } from 'node:v8';
import { commands } from './commands/index.js';

/**
 * `trajanus search … | head -1`: the reader may leave before we finish writing. That is not an
 * error for the user, so stdout's EPIPE is swallowed and the command winds down normally (closing
 * the database cleanly matters more than the lines nobody reads); anything else still surfaces.
 */
function quietOnBrokenPipe(stream: NodeJS.WriteStream = process.stdout): void {
  stream.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE' || err.code === 'ERR_STREAM_DESTROYED') return;
    throw err;
  });
}

function help(): void {
  const lines = ['Usage: trajanus <command> [options]', '', 'Commands:'];
  for (const [name, entry] of Object.entries(commands)) lines.push(`  ${name.padEnd(10)} ${entry.summary}`);
  lines.push('', 'Run `trajanus <command> --help` for its options.');
  console.log(lines.join('\n'));
}

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === 'help' || name === '--help' || name === '-h') {
    help();
    return name ? 0 : 1;
  }
  const entry = commands[name];
  if (!entry) {
    console.error(`Unknown command "${name}". Run \`trajanus help\` for the list.`);
    return 2;
  }
  const asksForHelp = rest.includes('--help') || rest.includes('-h');
  if (entry.served && !asksForHelp) {
    // Before the command's module, which loads zod and the configuration: a served ask needs neither.
    // --help is printed below, as for every command: it needs no database, so nothing to serve.
    const { runServed } = await import('./commands/resident-client.js');
    const code = await runServed(name, rest);
    if (code !== null) return code;
  }
  // Before anything compiles WebAssembly: V8 flags set later do not reach a module already compiled.
  if (typeof entry.shortLived === 'function' ? entry.shortLived(rest) : entry.shortLived) setFlagsFromString('--liftoff-only');
  const { default: cmd } = await entry.load();
  if (asksForHelp) {
    console.log(`trajanus ${name} — ${entry.summary}${cmd.usage ? `\n\n${cmd.usage}` : ''}`);
    return 0;
  }
  return (await cmd.run(rest)) ?? 0;
}

quietOnBrokenPipe();
main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  async (err: unknown) => {
    // config.ts (zod) is loaded here only if a command failed before loading it; `help` never does.
    const { ConfigError } = await import('./config.js');
    if (err instanceof ConfigError) console.error(err.message);
    else console.error(`trajanus: ${(err as Error)?.message ?? err}`);
    if (process.env.LOG_LEVEL === 'debug' && err instanceof Error) console.error(err.stack);
    process.exitCode = 1;
  },
);
