#!/bin/sh
# Install what pip needs to build mysqlclient (the MySQL driver, requirements.txt) from source when it is missing:
# pkg-config and the MariaDB client library's headers. Idempotent and quiet: does nothing when pkg-config finds the
# library (or the venv's python, the first argument, imports the driver already, or MYSQLCLIENT_CFLAGS and
# MYSQLCLIENT_LDFLAGS say where it is); installs Debian's packages when run as root on a machine with apt-get;
# otherwise names what to install and fails.
command -v pkg-config >/dev/null 2>&1 \
  && { pkg-config --exists libmariadb || pkg-config --exists mysqlclient; } && exit 0
[ -n "$MYSQLCLIENT_CFLAGS" ] && [ -n "$MYSQLCLIENT_LDFLAGS" ] && exit 0
[ -n "$1" ] && [ -x "$1" ] && "$1" -c "import MySQLdb" >/dev/null 2>&1 && exit 0
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null && apt-get install -y -qq pkg-config libmariadb-dev >/dev/null && exit 0
  echo "error: apt-get could not install pkg-config libmariadb-dev, which building mysqlclient needs" >&2
  exit 1
fi
cat >&2 <<'MESSAGE'
error: pip builds mysqlclient (the MySQL driver) from source, which needs pkg-config and the MariaDB/MySQL client
library's headers; pkg-config found no libmariadb nor mysqlclient. Install them, then run make again:
  Debian/Ubuntu:  sudo apt-get install pkg-config libmariadb-dev
  Fedora/RHEL:    sudo dnf install pkgconf-pkg-config mariadb-connector-c-devel
  macOS:          brew install mysql-client pkg-config
                  export PKG_CONFIG_PATH="$(brew --prefix)/opt/mysql-client/lib/pkgconfig"
MESSAGE
exit 1
