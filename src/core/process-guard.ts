// Whether the process dies is the application's decision, not a dependency's. The offline
// embedder's WebAssembly runtime (Emscripten, inside @energetic-ai/core) installs, when it is
// loaded, `unhandledRejection` and `uncaughtException` handlers that rethrow — so one stray
// rejection anywhere (a library's, a request's) would end the bot. `withoutForeignHandlers`
// loads such a module and takes those handlers back off; `logUnhandledRejections` makes an
// unexpected rejection a logged error while the process carries on.
import type { Logger } from './log.js';

const EVENTS = ['unhandledRejection', 'uncaughtException'] as const;

/** Runs `load` and removes every process-level handler it added for the two events above. */
export async function withoutForeignHandlers<T>(load: () => Promise<T>): Promise<T> {
  const listeners = (e: (typeof EVENTS)[number]) => (process.listeners as (e: string) => ((...a: unknown[]) => void)[])(e);
  const before = new Map(EVENTS.map((e) => [e, new Set(listeners(e))]));
  try {
    return await load();
  } finally {
    for (const e of EVENTS) for (const l of listeners(e)) if (!before.get(e)!.has(l)) process.removeListener(e, l as never);
  }
}

let installed: ((reason: unknown) => void) | undefined;

/** Logs unexpected promise rejections instead of crashing (Node's default). Returns an uninstaller. */
export function logUnhandledRejections(logger: Logger): () => void {
  if (installed) process.removeListener('unhandledRejection', installed);
  const handler = (reason: unknown) => {
    logger.error(
      { err: reason instanceof Error ? reason : new Error(String(reason)) },
      'unexpected promise rejection (logged; the process keeps running)',
    );
  };
  installed = handler;
  process.on('unhandledRejection', handler);
  return () => {
    process.removeListener('unhandledRejection', handler);
    if (installed === handler) installed = undefined;
  };
}
