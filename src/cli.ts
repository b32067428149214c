// `trajanus <command>`: each command is a module in src/commands, loaded only when used so that
// `trajanus status` does not pay for Slack or the embedding model.
import { ConfigError } from './config.js';

export interface Command {
  summary: string;
  usage?: string;
  run(args: string[]): Promise<number | void>;
}

const commands: Record<string, () => Promise<{ default: Command }>> = {
  start: () => import('./commands/start.js'),
  migrate: () => import('./commands/migrate.js'),
  status: () => import('./commands/status.js'),
  config: () => import('./commands/config.js'),
  ingest: () => import('./commands/ingest.js'),
  reembed: () => import('./commands/reembed.js'),
  search: () => import('./commands/search.js'),
  ask: () => import('./commands/ask.js'),
  jobs: () => import('./commands/jobs.js'),
  health: () => import('./commands/health.js'),
  backup: () => import('./commands/backup.js'),
  restore: () => import('./commands/restore.js'),
  // further commands are registered here, one line each
};

async function help(): Promise<void> {
  const lines = ['Usage: trajanus <command> [options]', '', 'Commands:'];
  for (const [name, load] of Object.entries(commands)) {
    const { default: cmd } = await load();
    lines.push(`  ${name.padEnd(10)} ${cmd.summary}`);
  }
  lines.push('', 'Run `trajanus <command> --help` for its options.');
  console.log(lines.join('\n'));
}

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === 'help' || name === '--help' || name === '-h') {
    await help();
    return name ? 0 : 1;
  }
  const load = commands[name];
  if (!load) {
    console.error(`Unknown command "${name}". Run \`trajanus help\` for the list.`);
    return 2;
  }
  const { default: cmd } = await load();
  if (rest.includes('--help') || rest.includes('-h')) {
    console.log(`trajanus ${name} — ${cmd.summary}${cmd.usage ? `\n\n${cmd.usage}` : ''}`);
    return 0;
  }
  return (await cmd.run(rest)) ?? 0;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    if (err instanceof ConfigError) console.error(err.message);
    else console.error(`trajanus: ${(err as Error)?.message ?? err}`);
    if (process.env.LOG_LEVEL === 'debug' && err instanceof Error) console.error(err.stack);
    process.exitCode = 1;
  },
);
