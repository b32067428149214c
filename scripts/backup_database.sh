#!/usr/bin/env bash
# Back up the Trajanus database into $BACKUP_DIR and delete our backups older than
# $BACKUP_RETENTION_DAYS days.
#
#   DATABASE_URL=postgres://user:pass@host/db BACKUP_DIR=/var/backups/trajanus scripts/backup_database.sh
#
# Postgres (DATABASE_URL set): pg_dump -Fc to trajanus-<UTC ts>.dump, written to a .partial file and
# renamed only after `pg_restore --list` has read it back. pg_dump must be the server's major version
# or newer (set PG_DUMP_PATH / PG_RESTORE_PATH to e.g. /usr/lib/postgresql/15/bin/pg_dump).
# The password can also come from PGPASSWORD or ~/.pgpass instead of the URL (the URL is visible in `ps`).
#
# Embedded PGlite (DATABASE_URL unset): the app's backup job backs it up while it runs; this script
# can do it only while the app is stopped (the data folder is locked by the running process).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

BACKUP_DIR="${BACKUP_DIR:-./backups}"
BACKUP_RETENTION_DAYS="${BACKUP_RETENTION_DAYS:-30}"
PG_DUMP_PATH="${PG_DUMP_PATH:-pg_dump}"
PG_RESTORE_PATH="${PG_RESTORE_PATH:-pg_restore}"

if ! [[ "$BACKUP_RETENTION_DAYS" =~ ^[1-9][0-9]*$ ]]; then
  echo "BACKUP_RETENTION_DAYS must be a positive whole number of days, got '$BACKUP_RETENTION_DAYS'" >&2
  exit 2
fi

mkdir -p "$BACKUP_DIR"
BACKUP_DIR="$(cd "$BACKUP_DIR" && pwd)"
ts="$(date -u +%Y%m%dT%H%M%SZ)"

if [[ -n "${DATABASE_URL:-}" ]]; then
  for tool in "$PG_DUMP_PATH" "$PG_RESTORE_PATH"; do
    command -v "$tool" >/dev/null 2>&1 || { echo "$tool not found: install postgresql-client (the server's major version or newer) or set PG_DUMP_PATH / PG_RESTORE_PATH" >&2; exit 1; }
  done
  out="$BACKUP_DIR/trajanus-$ts.dump"
  [[ -e "$out" ]] && { echo "$out already exists; try again in a second" >&2; exit 1; }
  partial="$out.partial"
  trap 'rm -f "$partial"' EXIT
  # pg_dump itself refuses a server newer than itself ("server version mismatch").
  "$PG_DUMP_PATH" -Fc --no-owner --no-privileges -f "$partial" --dbname="$DATABASE_URL"
  "$PG_RESTORE_PATH" --list "$partial" >/dev/null
  mv "$partial" "$out"
  trap - EXIT
else
  data_dir="${TRAJANUS_DATA_DIR:-./data}"
  [[ -d "$data_dir/pgdata" ]] || { echo "DATABASE_URL is unset and $data_dir/pgdata does not exist: nothing to back up" >&2; exit 1; }
  data_dir="$(cd "$data_dir" && pwd)"
  out="$(cd "$root" && TRAJANUS_DATA_DIR="$data_dir" BACKUP_DIR="$BACKUP_DIR" node_modules/.bin/tsx --eval '
    import { backupDatabase } from "./src/core/backup.ts";
    import { EmbeddedDatabase } from "./src/core/db/embedded.ts";
    (async () => {
      const db = await EmbeddedDatabase.open(process.env.TRAJANUS_DATA_DIR);
      try {
        const r = await backupDatabase({ db, dir: process.env.BACKUP_DIR, pgDumpPath: "pg_dump", pgRestorePath: "pg_restore" });
        console.log(r.file);
      } finally {
        await db.close();
      }
    })().catch((e) => { console.error(e.message); process.exit(1); });
  ' | tail -n 1)"
fi

echo "backup: $out ($(du -h "$out" | cut -f1))"

# Retention: the app's own rule (src/core/backup.ts pruneBackups), so the script and the backup job
# delete the same files: backups named trajanus-<UTC ts>[-N].dump|.pglite.tar.gz older than
# BACKUP_RETENTION_DAYS by the timestamp in the name, never the newest one, and .partial files of
# exactly that name a day old. Nothing else in BACKUP_DIR is touched.
(cd "$root" && BACKUP_DIR="$BACKUP_DIR" BACKUP_RETENTION_DAYS="$BACKUP_RETENTION_DAYS" node_modules/.bin/tsx --eval '
  import { pruneBackups } from "./src/core/backup.ts";
  for (const name of pruneBackups(process.env.BACKUP_DIR, Number(process.env.BACKUP_RETENTION_DAYS))) console.log(`deleted: ${name}`);
')
