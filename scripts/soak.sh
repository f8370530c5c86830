#!/usr/bin/env bash
# Soak the gateway: a real `rivgate gateway` process on loopback under a
# steady mix of good calls, VP faults (VP004, VP007, VP015), producer
# faults (refused, 503 HTML page, reset, slower than the timeout) and
# consumers that hang up half way, for a bounded time (default 10 minutes).
# Goroutines, open file descriptors and heap of the gateway are sampled;
# the run fails (exit 1) if any grows without bound (criterion:
# docs/robustness.md), a call gets an unexpected outcome, or a good call is lost.
#
#   ./scripts/soak.sh                      10 minutes at 40 calls/s
#   ./scripts/soak.sh --duration 30m --rate 60 --json soak.json
#   ./scripts/soak.sh --help
set -euo pipefail
cd "$(dirname "$0")/.."
bin="$(mktemp -d)"
trap 'rm -rf "$bin"' EXIT
go build -o "$bin/rivgate" ./cmd/rivgate
go build -o "$bin/soak" ./tools/soak
"$bin/soak" --rivgate "$bin/rivgate" "$@"
