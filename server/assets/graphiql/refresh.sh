#!/usr/bin/env bash
# Refreshes the vendored GraphiQL and React files from the npm registry: `npm pack` of the
# pinned versions into a temporary directory, then copies the UMD builds and licenses here and
# rewrites SHA256SUMS. Change the versions below (and README.md), run it, check the page in a
# browser (tests/browser), commit.
set -euo pipefail
GRAPHIQL=4.1.2
REACT=18.3.1
here="$(cd "$(dirname "$0")" && pwd)"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
cd "$tmp"
npm pack --silent "graphiql@$GRAPHIQL" "react@$REACT" "react-dom@$REACT" >/dev/null
for pkg in "graphiql-$GRAPHIQL" "react-$REACT" "react-dom-$REACT"; do
  mkdir "$pkg" && tar xzf "$pkg.tgz" -C "$pkg"
done
cp "graphiql-$GRAPHIQL/package/graphiql.min.js" "graphiql-$GRAPHIQL/package/graphiql.min.css" "$here/"
cp "graphiql-$GRAPHIQL/package/LICENSE" "$here/LICENSE.graphiql"
cp "react-$REACT/package/umd/react.production.min.js" "$here/"
cp "react-$REACT/package/LICENSE" "$here/LICENSE.react"
cp "react-dom-$REACT/package/umd/react-dom.production.min.js" "$here/"
cp "react-dom-$REACT/package/LICENSE" "$here/LICENSE.react-dom"
cd "$here"
sha256sum graphiql.min.js graphiql.min.css react.production.min.js react-dom.production.min.js > SHA256SUMS
cat SHA256SUMS
