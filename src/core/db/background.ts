// Background work yields the embedded database to foreground work. With PGlite every statement
// runs on the main thread, so an answer computed after a Slack ack would otherwise hold back the
// acks of requests that arrived meanwhile (Slack waits 3 s for each). Work started with
// `inBackground` waits, before each of its statements, until the host says nothing is waiting
// for it (`Foreground.idle`); everything else (the ack path, the dedupe check, jobs) is not held.
import { AsyncLocalStorage } from 'node:async_hooks';

export interface Foreground {
  /** Resolves when no foreground work waits; undefined when none waits now (the common case, no await). */
  idle(): Promise<void> | undefined;
}

const background = new AsyncLocalStorage<Foreground>();

/** Runs `fn` (and everything it starts) as background work that yields to `foreground`. */
export function inBackground<T>(foreground: Foreground, fn: () => Promise<T>): Promise<T> {
  return background.run(foreground, fn);
}

/** Called by the embedded database before a statement: what background work must wait for first. */
export function backgroundPause(): Promise<void> | undefined {
  return background.getStore()?.idle();
}
