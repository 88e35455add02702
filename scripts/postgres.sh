# Finds or starts a PostgreSQL server for the tests and exports ORGRAPH_TEST_DATABASE_URL.
# Sourced by scripts/test and the benchmark scripts.

_pg_answers() { (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null; }

ensure_test_postgres() {
  if [ -n "${ORGRAPH_TEST_DATABASE_URL:-}" ]; then
    return 0
  fi
  if _pg_answers 127.0.0.1 5432; then
    export ORGRAPH_TEST_DATABASE_URL="postgres://postgres@127.0.0.1:5432/postgres"
    return 0
  fi
  local bin
  bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
  if [ -z "$bin" ] || [ ! -x "$bin/initdb" ]; then
    cat >&2 <<'MSG'
No PostgreSQL for the tests: nothing answers at 127.0.0.1:5432, ORGRAPH_TEST_DATABASE_URL is
not set, and no PostgreSQL binaries are installed to start a throwaway cluster.
Either install PostgreSQL (Debian/Ubuntu: sudo apt-get install -y postgresql) or point
ORGRAPH_TEST_DATABASE_URL at a server where the user may CREATE DATABASE, e.g.
  export ORGRAPH_TEST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres
MSG
    return 1
  fi
  # A throwaway cluster on a free port, removed when the calling script exits. initdb refuses
  # to run as root, so as root it runs as the `postgres` system user.
  local dir port run_as=()
  dir=$(mktemp -d /tmp/orgraph-pg.XXXXXX)
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])' 2>/dev/null || echo 55432)
  if [ "$(id -u)" = 0 ]; then
    id postgres >/dev/null 2>&1 || useradd --system --no-create-home postgres
    chown postgres "$dir"
    run_as=(runuser -u postgres --)
  fi
  echo "==> starting a throwaway PostgreSQL ($bin) on port $port" >&2
  "${run_as[@]}" "$bin/initdb" -D "$dir/data" -U postgres --auth=trust >/dev/null
  "${run_as[@]}" "$bin/pg_ctl" -D "$dir/data" -l "$dir/log" -w \
    -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=300" start >/dev/null
  # shellcheck disable=SC2064
  trap "${run_as[*]} '$bin/pg_ctl' -D '$dir/data' -m immediate stop >/dev/null 2>&1; rm -rf '$dir'" EXIT
  export ORGRAPH_TEST_DATABASE_URL="postgres://postgres@127.0.0.1:$port/postgres"
}
