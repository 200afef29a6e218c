#!/usr/bin/env bash
# Restore a dump made by deploy/backup.sh into the database of DATABASE_URL (with DATABASE_TLS_CA when its
# server talks TLS).
#
#   DATABASE_URL=mysql://root@127.0.0.1:3306/weishang_restored deploy/restore.sh /var/backups/weishang/weishang-….sql.gz
#
# The target database is created when missing and must be empty: restore next to the live one,
# check it (`flask stock check`, `flask finance check` with DATABASE_URL pointing at it), then
# switch DATABASE_URL and restart the services. Uploaded files: tar -xzf uploads-….tar.gz -C "$UPLOAD_DIR".
set -euo pipefail

dump=${1:?usage: restore.sh DUMP.sql.gz}
: "${DATABASE_URL:?DATABASE_URL is not set}"
here=$(cd "$(dirname "$0")" && pwd)
source "$here/mysql-url.sh"
mysql_defaults_from_url "$DATABASE_URL"

client=(mariadb --defaults-extra-file="$MYSQL_DEFAULTS" --default-character-set=utf8mb4)
"${client[@]}" -e "CREATE DATABASE IF NOT EXISTS \`$MYSQL_DATABASE\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"
tables=$("${client[@]}" -N -e "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = '$MYSQL_DATABASE'")
if [[ "$tables" != 0 ]]; then
    echo "restore.sh: database $MYSQL_DATABASE already has $tables tables; restore into an empty one" >&2
    exit 1
fi
gzip -dc "$dump" | "${client[@]}" "$MYSQL_DATABASE"
echo "restored $dump into $MYSQL_DATABASE"
