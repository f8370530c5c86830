#!/usr/bin/env bash
# Build a static rivgate binary (CGO_ENABLED=0, -trimpath) with version,
# commit and build date stamped in; `rivgate version` prints them.
#   ./scripts/build.sh [OUT]        default OUT=./rivgate
#   VERSION=v1.2.3 ./scripts/build.sh
#   VERSION=... COMMIT=... BUILD_DATE=... ./scripts/build.sh   (no git needed, e.g. in a container build)
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-./rivgate}
version=${VERSION:-$(git describe --tags --always --dirty 2>/dev/null || echo dev)}
commit=${COMMIT:-$(git rev-parse HEAD 2>/dev/null || echo unknown)}
date=${BUILD_DATE:-$(date -u +%Y-%m-%dT%H:%M:%SZ)}
pkg=github.com/rivgate/rivgate/internal/buildinfo
CGO_ENABLED=0 go build -trimpath \
	-ldflags "-s -w -X $pkg.version=$version -X $pkg.commit=$commit -X $pkg.date=$date" \
	-o "$out" ./cmd/rivgate
echo "$out: $("$out" version)"
