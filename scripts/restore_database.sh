#!/usr/bin/env bash
# Restore a Trajanus backup made by backup_database.sh or the app's backup job.
# It REPLACES the current data, so it needs --yes.
#
#   DATABASE_URL=postgres://user:pass@host/db scripts/restore_database.sh backups/trajanus-20240506T070809Z.dump --yes
#   TRAJANUS_DATA_DIR=./data scripts/restore_database.sh backups/trajanus-20240506T070809Z.pglite.tar.gz --yes
#
# *.dump → pg_restore --clean --if-exists --no-owner --single-transaction into DATABASE_URL
#   (all or nothing; tables that exist only in the target and not in the dump are left alone; the
#   extensions it uses, e.g. vector, must exist in the target or be creatable by this role).
# *.pglite.tar.gz → the embedded data folder: stop the app first. The current $TRAJANUS_DATA_DIR/pgdata is
#   moved to pgdata.before-restore-<ts> (delete it once you have checked the restore) and put back on failure.
set -euo pipefail

usage() { echo "usage: $0 <backup file> --yes" >&2; exit 2; }

file=""
yes=0
for arg in "$@"; do
  case "$arg" in
    --yes) yes=1 ;;
    -h|--help) usage ;;
    -*) echo "unknown option $arg" >&2; usage ;;
    *) [[ -z "$file" ]] || usage; file="$arg" ;;
  esac
done
[[ -n "$file" ]] || usage
[[ -f "$file" ]] || { echo "backup file not found: $file" >&2; exit 1; }
if [[ "$yes" != 1 ]]; then
  echo "Refusing to restore without --yes: a restore replaces the current data." >&2
  exit 2
fi

PG_RESTORE_PATH="${PG_RESTORE_PATH:-pg_restore}"
file="$(cd "$(dirname "$file")" && pwd)/$(basename "$file")"

case "$file" in
  *.dump)
    [[ -n "${DATABASE_URL:-}" ]] || { echo "$file is a pg_dump archive: set DATABASE_URL to the database to restore into" >&2; exit 1; }
    command -v "$PG_RESTORE_PATH" >/dev/null 2>&1 || { echo "$PG_RESTORE_PATH not found: install postgresql-client or set PG_RESTORE_PATH" >&2; exit 1; }
    ;;
  *.pglite.tar.gz|*.tar.gz|*.tgz) ;;
  *) echo "cannot tell what kind of backup $file is (expected *.dump or *.pglite.tar.gz)" >&2; exit 1 ;;
esac

# The app's own restore (src/core/backup.ts), so the script and `trajanus restore` do the same thing:
# the extensions are checked rather than restored (a non-superuser owner cannot), an embedded backup
# is checked before the data folder is touched, and runs in progress at backup time are closed.
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
data_dir="${TRAJANUS_DATA_DIR:-./data}"
if [[ "$file" != *.dump ]]; then mkdir -p "$data_dir"; data_dir="$(cd "$data_dir" && pwd)"; fi
(cd "$root" && BACKUP_FILE="$file" TRAJANUS_DATA_DIR="$data_dir" PG_RESTORE_PATH="$PG_RESTORE_PATH" node_modules/.bin/tsx --eval '
  import { restoreDatabase } from "./src/core/backup.ts";
  restoreDatabase({ file: process.env.BACKUP_FILE, databaseUrl: process.env.DATABASE_URL || undefined, dataDir: process.env.TRAJANUS_DATA_DIR, pgRestorePath: process.env.PG_RESTORE_PATH, confirm: true })
    .then((r) => console.log(`restored ${r.file}` + (r.previousDataDir ? `; the previous data is in ${r.previousDataDir}` : "")))
    .catch((e) => { console.error(e.message); process.exit(1); });
')
