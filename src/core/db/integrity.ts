// Reads every table of a database end to end, so damage shows as an error instead of as missing
// rows. A heap file cut short reads back without complaint — Postgres takes the file's length as
// the table's length — so a plain count cannot see it; walking the primary key does, because the
// index still points at the tuples that were lost ("could not read block …").
import type { Queryable } from './types.js';

export interface TableCheck {
  table: string;
  /** Rows found by a sequential scan that reads every column (detoasting them). */
  rows: number;
  /** Rows found through the table's primary key (or first btree index); null when it has none. */
  indexRows: number | null;
}

export class DatabaseIntegrityError extends Error {
  constructor(
    message: string,
    readonly table?: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'DatabaseIntegrityError';
  }
}

interface TableRow {
  table: string;
  seq_sql: string;
  index_sql: string | null;
}

// The statements are built by format(%I) inside Postgres, from the catalog: no name is spliced in here.
const TABLES_SQL = `
  SELECT c.relname AS table,
         format('SELECT count(*)::bigint AS n FROM %I.%I t WHERE t::text IS NOT NULL', n.nspname, c.relname) AS seq_sql,
         (SELECT format('SELECT count(*)::bigint AS n FROM (SELECT %s FROM %I.%I ORDER BY %s) s', cols, n.nspname, c.relname, cols)
            FROM (SELECT string_agg(quote_ident(a.attname), ', ' ORDER BY k.ord) AS cols, i.indisprimary
                    FROM pg_index i
                    JOIN pg_class ic ON ic.oid = i.indexrelid
                    JOIN pg_am am ON am.oid = ic.relam AND am.amname = 'btree'
                    CROSS JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k(attnum, ord)
                    JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum
                   WHERE i.indrelid = c.oid AND i.indisvalid AND i.indpred IS NULL AND k.attnum > 0
                   GROUP BY i.indexrelid, i.indisprimary
                   ORDER BY i.indisprimary DESC, i.indexrelid
                   LIMIT 1) idx) AS index_sql
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
   WHERE c.relkind = 'r' AND n.nspname = 'public'
   ORDER BY c.relname`;

/**
 * Counts every table twice (a full sequential read and a walk of its index, which fetches each
 * row from the table) and throws DatabaseIntegrityError naming the first table that cannot be
 * read or whose two counts differ. Sets planner options for its session and resets them after.
 */
export async function checkEveryTable(q: Queryable): Promise<TableCheck[]> {
  const tables = (await q.query<TableRow>(TABLES_SQL)).rows;
  const out: TableCheck[] = [];
  try {
    for (const t of tables) {
      let rows: number;
      let indexRows: number | null = null;
      try {
        await q.exec('RESET enable_seqscan; RESET enable_bitmapscan; RESET enable_indexonlyscan; RESET enable_sort');
        rows = Number((await q.query<{ n: number }>(t.seq_sql)).rows[0]?.n ?? 0);
        if (t.index_sql) {
          // Only a plain index scan visits the table for every entry.
          await q.exec('SET enable_seqscan = off; SET enable_bitmapscan = off; SET enable_indexonlyscan = off; SET enable_sort = off');
          indexRows = Number((await q.query<{ n: number }>(t.index_sql)).rows[0]?.n ?? 0);
        }
      } catch (e) {
        throw new DatabaseIntegrityError(`table ${t.table} cannot be read: ${(e as Error).message}`, t.table, { cause: e });
      }
      if (indexRows !== null && indexRows !== rows)
        throw new DatabaseIntegrityError(
          `table ${t.table} is damaged: ${rows} rows read from the table but ${indexRows} through its index`,
          t.table,
        );
      out.push({ table: t.table, rows, indexRows });
    }
  } finally {
    await q.exec('RESET enable_seqscan; RESET enable_bitmapscan; RESET enable_indexonlyscan; RESET enable_sort').catch(() => {});
  }
  return out;
}
