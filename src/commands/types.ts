// The shape of one `trajanus` command. Its own module, so that src/cli.ts and the commands both
// import it without importing each other.
export interface Command {
  usage?: string;
  // biome-ignore lint/suspicious/noConfusingVoidType: a command that only prints may end without a return; that means exit 0
  run(args: string[]): Promise<number | void>;
}

/** A command as the CLI lists it: its one-line summary is here so `trajanus help` loads no command. */
export interface CommandEntry {
  summary: string;
  load: () => Promise<{ default: Command }>;
  /**
   * The command does a few queries and exits. Its WebAssembly (PGlite, the embedding model) then runs
   * on V8's baseline compiler only: optimising Postgres's hot functions costs more CPU than such a
   * process ever gets back (measured by `npm run bench:cli`), while a bot or an ingest keeps tiering up.
   * A function decides from the command's arguments (`jobs list` is brief, `jobs run backup` is not).
   */
  shortLived?: boolean | ((args: string[]) => boolean);
  /**
   * While `trajanus start` holds the embedded database, the process serving it runs the command
   * (resident.ts): cli.ts sends it there before loading the command's module at all.
   */
  served?: boolean;
}

/** The command was called wrongly: it prints `trajanus <command>: <message>` and exits 2, wherever it runs. */
export class UsageError extends Error {}
