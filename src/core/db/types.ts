/** What every caller of the database sees; the embedded (PGlite) and `pg` implementations run the same SQL. */
export interface QueryResult<T> {
  rows: T[];
  rowCount: number;
}

export interface Queryable {
  /** One parameterised statement ($1, $2 …). Never interpolate values into `sql`. */
  query<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<QueryResult<T>>;
  /** Several statements without parameters (migrations). */
  exec(sql: string): Promise<void>;
  /**
   * `COPY table (columns) FROM STDIN WITH (FORMAT binary)` fed with `data` (binary-copy.ts), when
   * the connection can: PGlite can (bulk writes take it, see ingest/chunk-rows.ts); the `pg` path
   * leaves it out and callers write with INSERT, whose text parameters native Postgres parses fast.
   * Returns the rows copied.
   */
  copyBinary?(table: string, columns: readonly string[], data: Uint8Array): Promise<number>;
}

export interface Session extends Queryable {
  /** BEGIN … COMMIT on this session; ROLLBACK and rethrow when `fn` throws. */
  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T>;
}

/** The session withAdvisoryLock hands its callback: one connection, holding the lock. */
export interface LockedSession extends Session {
  /**
   * Aborted (with a ConnectionLostError) when the connection behind this session is lost, and with
   * it the session's advisory lock: work done under the lock must stop, even work that goes
   * through other connections, since another process may now take the lock.
   */
  readonly signal: AbortSignal;
}

export type DatabaseKind = 'embedded' | 'postgres';

export interface Database extends Session {
  readonly kind: DatabaseKind;
  /** Human description without secrets, e.g. "embedded PGlite at ./data" or "postgres://u:***@host/db". */
  readonly description: string;
  /**
   * Runs `fn` holding a session-level advisory lock named `name` on one connection.
   * wait=true blocks until the lock is free (pg_advisory_lock); wait=false returns
   * { acquired: false } at once when another session holds it (pg_try_advisory_lock).
   */
  withAdvisoryLock<T>(
    name: string,
    fn: (session: LockedSession) => Promise<T>,
    opts?: { wait?: boolean },
  ): Promise<{ acquired: true; result: T } | { acquired: false }>;
  close(): Promise<void>;
}

/** Advisory locks take a bigint; we derive it from a readable name so call sites say what they lock. */
export const advisoryKeySql = `('x' || substr(md5($1), 1, 16))::bit(64)::bigint`;
