#!/bin/sh
# Install what pip needs to build mysqlclient (the MySQL driver, requirements.txt) from source when it is missing:
# a C compiler, the Python headers of the venv's python (the first argument), pkg-config and the MariaDB client
# library's headers. Idempotent and quiet: does nothing when the venv's python imports the driver already or all of
# them are there (MYSQLCLIENT_CFLAGS and MYSQLCLIENT_LDFLAGS may say where the library is); installs Debian's
# packages when run as root on a machine with apt-get; otherwise names what to install and fails.
PYTHON=${1:-python3}
"$PYTHON" -c "import MySQLdb" >/dev/null 2>&1 && exit 0
has_library() {
  [ -n "$MYSQLCLIENT_CFLAGS" ] && [ -n "$MYSQLCLIENT_LDFLAGS" ] && return 0
  command -v pkg-config >/dev/null 2>&1 && { pkg-config --exists libmariadb || pkg-config --exists mysqlclient; }
}
has_compiler() { command -v cc >/dev/null 2>&1 || command -v gcc >/dev/null 2>&1; }
has_python_headers() {
  "$PYTHON" -c "import os, sysconfig, sys; sys.exit(not os.path.exists(os.path.join(sysconfig.get_paths()['include'], 'Python.h')))"
}
has_library && has_compiler && has_python_headers && exit 0
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  packages="pkg-config libmariadb-dev gcc"
  has_python_headers || packages="$packages python3-dev"
  export DEBIAN_FRONTEND=noninteractive
  # shellcheck disable=SC2086
  apt-get update -qq >/dev/null && apt-get install -y -qq $packages >/dev/null && exit 0
  echo "error: apt-get could not install $packages, which building mysqlclient needs" >&2
  exit 1
fi
cat >&2 <<'MESSAGE'
error: pip builds mysqlclient (the MySQL driver) from source, which needs a C compiler, Python's headers, pkg-config
and the MariaDB/MySQL client library's headers; one of them is missing. Install them, then run make again:
  Debian/Ubuntu:  sudo apt-get install gcc python3-dev pkg-config libmariadb-dev
  Fedora/RHEL:    sudo dnf install gcc python3-devel pkgconf-pkg-config mariadb-connector-c-devel
  macOS:          xcode-select --install; brew install mysql-client pkg-config
                  export PKG_CONFIG_PATH="$(brew --prefix)/opt/mysql-client/lib/pkgconfig"
MESSAGE
exit 1
