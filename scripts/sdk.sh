# The WebAssembly SDK (sdk-wasm/): its toolchain, one build and one pack shared by every suite
# that uses it (tests/sdk: Node and Chromium; the SDK benchmark). Sourced by scripts/test,
# .ci/run and the benchmark; needs scripts/node.sh sourced first.

SDK_PACKAGE_DIR=${CARGO_TARGET_DIR:-target}/sdk-package

# The wasm32 target and the wasm-bindgen CLI of exactly the version sdk-wasm/Cargo.toml pins
# (`cargo install --locked` fails for it here, so without --locked; about 3 minutes once).
ensure_wasm_toolchain() {
  local pinned installed
  pinned=$(sed -n 's/^wasm-bindgen = .*"=\([0-9.]*\)".*/\1/p' sdk-wasm/Cargo.toml)
  if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
    echo "==> rustup target add wasm32-unknown-unknown"
    rustup target add wasm32-unknown-unknown
  fi
  installed=$(wasm-bindgen --version 2>/dev/null | cut -d' ' -f2 || true)
  if [ "$installed" != "$pinned" ]; then
    echo "==> cargo install wasm-bindgen-cli --version $pinned (found: ${installed:-none})"
    cargo install wasm-bindgen-cli --version "$pinned"
  fi
}

# `npm run build` in sdk-wasm, then `npm pack` into $SDK_PACKAGE_DIR; prints nothing else.
# The tests install this tarball, never the source tree.
build_sdk_package() {
  ensure_wasm_toolchain
  ensure_node_packages sdk-wasm
  echo "==> npm run build (sdk-wasm)"
  (cd sdk-wasm && npm run build)
  rm -rf "$SDK_PACKAGE_DIR"
  mkdir -p "$SDK_PACKAGE_DIR"
  local destination
  destination=$(cd "$SDK_PACKAGE_DIR" && pwd)
  echo "==> npm pack (sdk-wasm → $SDK_PACKAGE_DIR)"
  (cd sdk-wasm && npm pack --silent --pack-destination "$destination" >/dev/null)
}

# The packed SDK's path (after build_sdk_package).
sdk_tarball() {
  ls "$SDK_PACKAGE_DIR"/orgraph-sdk-*.tgz
}

# Installs the packed SDK into a Node test folder, over its `npm ci`.
install_packed_sdk() {
  local dir=$1 tarball
  tarball=$(cd "$(dirname "$(sdk_tarball)")" && pwd)/$(basename "$(sdk_tarball)")
  ensure_node_packages "$dir"
  echo "==> npm install $(basename "$tarball") ($dir)"
  (cd "$dir" && npm install --no-save --no-audit --no-fund --no-package-lock "$tarball")
}

# The SDK's tests (tests/sdk) against the debug server binary, with the packed package.
run_sdk_tests() {
  build_sdk_package
  install_packed_sdk tests/sdk
  # The Chromium test reuses tests/browser/lib (playwright-core from tests/browser).
  ensure_node_packages tests/browser
  ensure_node_packages tests/oidc
  echo "==> cargo build -p orgraph-server (the binary the SDK tests start)"
  cargo build -p orgraph-server
  echo "==> node --test (tests/sdk)"
  (cd tests/sdk && node --test)
}

# The SDK shares rules with the server, never the server itself: fails if its dependency tree
# (on any target) reaches a database, the HTTP server or the server crate.
check_sdk_dependencies() {
  local forbidden='^(diesel|diesel_[a-z_]+|libsqlite3-sys|pq-sys|r2d2|actix[a-z_-]*|tokio|orgraph-server) '
  local found
  echo "==> cargo tree: the SDK depends on no server crate"
  found=$(cargo tree -p orgraph-sdk --target all -e normal,build --prefix none | grep -E "$forbidden" | sort -u || true)
  if [ -n "$found" ]; then
    echo "the SDK's dependency tree reaches server crates:" >&2
    echo "$found" >&2
    return 1
  fi
}
