# Node.js for the Node tests: tests/browser (GraphiQL and signing in, in Chromium) and
# tests/federation (composition with @apollo/composition and a real @apollo/gateway in front of
# the orgraph binary). Sourced by scripts/test, .ci/run and the federation benchmark.

# Node 20 or newer with npm (@apollo/server 5 requires Node 20); fails and says how to get it.
ensure_node() {
  local major
  if command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1; then
    major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)
    if [ "$major" -ge 20 ]; then
      return 0
    fi
    echo "Node.js $(node --version) is too old for tests/federation: it needs Node 20 or newer." >&2
  else
    echo "Node.js and npm are needed for tests/federation, and are not on PATH." >&2
  fi
  cat >&2 <<'MSG'
Install Node.js 20+ with npm: Debian 12's own `nodejs` package is Node 18, too old; use
NodeSource's packages (https://github.com/nodesource/distributions) or a release from
https://nodejs.org, then run this again.
MSG
  return 1
}

# `npm ci` in a Node test folder (tests/federation, tests/browser) when its node_modules is
# missing or older than its package-lock.json.
ensure_node_packages() {
  local dir=$1
  if [ ! -f "$dir/node_modules/.package-lock.json" ] \
    || [ "$dir/package-lock.json" -nt "$dir/node_modules/.package-lock.json" ]; then
    echo "==> npm ci ($dir)"
    (cd "$dir" && npm ci --no-audit --no-fund)
  fi
}

# The Node tests, against the debug binary that `cargo build -p orgraph-server` leaves.
run_federation_tests() {
  ensure_node_packages tests/federation
  echo "==> cargo build -p orgraph-server (the binary the Node tests start)"
  cargo build -p orgraph-server
  echo "==> node --test (tests/federation)"
  (cd tests/federation && node --test)
}

# What frontend clients bring (tests/clients): Apollo Client's automatic persisted queries and
# Relay's refetch through node(id:), against the same debug binary.
run_client_tests() {
  ensure_node_packages tests/clients
  echo "==> cargo build -p orgraph-server (the binary the client tests start)"
  cargo build -p orgraph-server
  echo "==> node --test (tests/clients)"
  (cd tests/clients && node --test)
}

# GraphiQL and signing in, in a real headless Chromium (tests/browser: playwright-core driving
# Debian's /usr/bin/chromium, which .ci/run installs), against the same debug binary and the
# OpenID Connect provider of tests/oidc.
run_browser_tests() {
  ensure_node_packages tests/browser
  ensure_node_packages tests/oidc
  echo "==> cargo build -p orgraph-server (the binary the browser tests start)"
  cargo build -p orgraph-server
  echo "==> node --test (tests/browser)"
  (cd tests/browser && node --test)
}
