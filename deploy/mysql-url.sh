# Sourced by backup.sh and restore.sh.

# One setting from /etc/weishang/weishang.env, read rather than sourced (JSON values are no shell).
setting_from_env_file() {
    [[ -r /etc/weishang/weishang.env ]] && sed -n "s/^$1=//p" /etc/weishang/weishang.env | tail -n 1 || true
}

# DATABASE_URL as a client option file (mode 600, removed on exit): the password never appears on a
# command line, where `ps` would show it. With DATABASE_TLS_CA (a CA certificate's PEM file) the client
# talks TLS and checks the server's certificate, as the app does. Sets MYSQL_DEFAULTS and MYSQL_DATABASE.
mysql_defaults_from_url() {
    local url=${1#mysql://} creds hostport
    url=${url#mysql+pool://}
    if [[ "$url" == *@* ]]; then creds=${url%%@*}; url=${url#*@}; else creds=root; fi
    hostport=${url%%/*}
    hostport=${hostport%%,*}  # a URL naming several nodes (Galera): dump from and restore to the first
    MYSQL_DATABASE=${url#*/}
    MYSQL_DATABASE=${MYSQL_DATABASE%%\?*}
    MYSQL_DEFAULTS=$(mktemp)
    trap 'rm -f "$MYSQL_DEFAULTS"' EXIT
    chmod 600 "$MYSQL_DEFAULTS"
    {
        echo "[client]"
        echo "user=${creds%%:*}"
        [[ "$creds" == *:* ]] && echo "password=${creds#*:}"
        echo "host=${hostport%%:*}"
        [[ "$hostport" == *:* ]] && echo "port=${hostport#*:}"
        echo "protocol=tcp"
        if [[ -n "${DATABASE_TLS_CA:-}" ]]; then
            echo "ssl-ca=$DATABASE_TLS_CA"
            echo "ssl-verify-server-cert"
        fi
    } > "$MYSQL_DEFAULTS"
}
