#!/usr/bin/env bash
# A consistent dump of the weishang database, gzipped, plus the uploaded files; old ones rotated away.
#
#   deploy/backup.sh            # settings from the environment, else /etc/weishang/weishang.env
#   (cron, as the weishang user:  17 3 * * * /srv/weishang/deploy/backup.sh)
#
# DATABASE_URL (mysql://user:password@host:port/name), DATABASE_TLS_CA (when the server talks TLS),
# BACKUP_DIR, BACKUP_KEEP_DAYS (14) and UPLOAD_DIR (payment proofs and receipts; skipped when absent).
# Prints the dump's path.
# --single-transaction reads one InnoDB snapshot without locking the tables, so the shop keeps
# selling while it runs. Copy BACKUP_DIR to another machine: a backup on the database's disk
# dies with it.
set -euo pipefail
umask 077  # the dumps hold phone numbers and addresses

here=$(cd "$(dirname "$0")" && pwd)
source "$here/mysql-url.sh"
DATABASE_URL=${DATABASE_URL:-$(setting_from_env_file DATABASE_URL)}
DATABASE_TLS_CA=${DATABASE_TLS_CA:-$(setting_from_env_file DATABASE_TLS_CA)}
BACKUP_DIR=${BACKUP_DIR:-$(setting_from_env_file BACKUP_DIR)}
BACKUP_KEEP_DAYS=${BACKUP_KEEP_DAYS:-$(setting_from_env_file BACKUP_KEEP_DAYS)}
UPLOAD_DIR=${UPLOAD_DIR:-$(setting_from_env_file UPLOAD_DIR)}
: "${DATABASE_URL:?DATABASE_URL is not set}"
BACKUP_DIR=${BACKUP_DIR:-/var/backups/weishang}
BACKUP_KEEP_DAYS=${BACKUP_KEEP_DAYS:-14}
mysql_defaults_from_url "$DATABASE_URL"

mkdir -p "$BACKUP_DIR"
stamp=$(date -u +%Y%m%dT%H%M%SZ)
dump="$BACKUP_DIR/weishang-$stamp.sql.gz"
# Written under a temporary name: a dump cut short never looks like a backup.
mariadb-dump --defaults-extra-file="$MYSQL_DEFAULTS" --single-transaction --quick --hex-blob \
    --default-character-set=utf8mb4 --no-tablespaces "$MYSQL_DATABASE" \
    | gzip -6 > "$dump.partial"
mv "$dump.partial" "$dump"

if [[ -n "${UPLOAD_DIR:-}" && -d "$UPLOAD_DIR" ]]; then
    tar -czf "$BACKUP_DIR/uploads-$stamp.tar.gz.partial" -C "$UPLOAD_DIR" .
    mv "$BACKUP_DIR/uploads-$stamp.tar.gz.partial" "$BACKUP_DIR/uploads-$stamp.tar.gz"
fi

find "$BACKUP_DIR" -maxdepth 1 \( -name 'weishang-*.sql.gz' -o -name 'uploads-*.tar.gz' \) \
    -mtime +"$BACKUP_KEEP_DAYS" -delete
echo "$dump"
