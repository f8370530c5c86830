#!/usr/bin/env bash
# Build a static rivgate binary with version, commit and build date stamped in.
#   ./scripts/build.sh [OUT]        default OUT=./rivgate
#   VERSION=v1.2.3 ./scripts/build.sh
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-./rivgate}
version=${VERSION:-$(git describe --tags --always --dirty 2>/dev/null || echo dev)}
commit=$(git rev-parse HEAD 2>/dev/null || echo unknown)
date=$(date -u +%Y-%m-%dT%H:%M:%SZ)
pkg=github.com/rivgate/rivgate/internal/buildinfo
CGO_ENABLED=0 go build -trimpath \
	-ldflags "-s -w -X $pkg.version=$version -X $pkg.commit=$commit -X $pkg.date=$date" \
	-o "$out" ./cmd/rivgate
echo "$out: $("$out" version)"
