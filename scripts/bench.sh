#!/usr/bin/env bash
# Measure the gateway side by side with nginx (mTLS reverse proxy), a bare
# Go ReverseProxy and the producer called directly, on loopback only, with
# bounded durations.
#
#   ./scripts/bench.sh            full run (under 15 minutes)
#   ./scripts/bench.sh --quick    short run (under 3 minutes)
#   ./scripts/bench.sh --quick --pin   pin load generator / servers with taskset
#   ./scripts/bench.sh --quick --profile bench/prof   CPU and alloc profiles of
#                                 the gateway at max rate (go tool pprof)
#   ./scripts/bench.sh --help     every flag of the driver
#   ./scripts/bench.sh --takdiff  only the TAK change preview at national scale
#                                 (100k routes + 100k permissions diffed, 1M log
#                                 lines replayed, and `rivgate tak diff` end to
#                                 end; bounded at 10 minutes; bench/takdiff.json)
#
# Builds rivgate and the bench's own programs (tools/internal/benchkit),
# installs nginx-light if missing, writes bench/results.json and ends with
# "gateway/nginx throughput ratio: X.XX". Compare ratios within one run:
# the machine is shared, absolute figures are noisy.
set -euo pipefail
cd "$(dirname "$0")/.."

for a in "$@"; do
	if [ "$a" = -h ] || [ "$a" = --help ]; then
		sed -n '2,20p' "$0" | sed 's/^# \{0,1\}//'
		echo
		exec go run ./tools/bench --help
	fi
done

if [ "${1:-}" = --takdiff ]; then
	shift
	bin=$(mktemp -d "${TMPDIR:-/tmp}/rivgate-bench-bin.XXXXXX")
	trap 'rm -rf "$bin"' EXIT
	echo "bench.sh: building" >&2
	CGO_ENABLED=0 go build -trimpath -o "$bin/rivgate" ./cmd/rivgate
	go build -trimpath -o "$bin/benchtakdiff" ./tools/benchtakdiff
	mkdir -p bench
	"$bin/benchtakdiff" --rivgate "$bin/rivgate" --out bench/takdiff.json "$@"
	exit
fi

if ! [ -x /usr/sbin/nginx ] && ! command -v nginx >/dev/null 2>&1; then
	sudo=""
	if [ "$(id -u)" != 0 ]; then sudo="sudo -n"; fi
	echo "bench.sh: installing nginx-light" >&2
	$sudo apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq nginx-light >/dev/null
fi
nginx_bin=/usr/sbin/nginx
[ -x "$nginx_bin" ] || nginx_bin=$(command -v nginx)

bin=$(mktemp -d "${TMPDIR:-/tmp}/rivgate-bench-bin.XXXXXX")
trap 'rm -rf "$bin"' EXIT
echo "bench.sh: building" >&2
CGO_ENABLED=0 go build -trimpath -o "$bin/rivgate" ./cmd/rivgate
go build -trimpath -o "$bin/benchprod" ./tools/benchprod
go build -trimpath -o "$bin/bench" ./tools/bench
go build -trimpath -o "$bin/benchproxy" ./tools/benchproxy

rivta=""
if [ -d ../shared/rivta/contracts ]; then rivta=$(cd ../shared/rivta && pwd); fi
mkdir -p bench
echo "bench.sh: loadavg $(cut -d' ' -f1-3 /proc/loadavg) before the run (figures are noisy when it is high)" >&2
exec "$bin/bench" --rivgate "$bin/rivgate" --producer "$bin/benchprod" --goproxy "$bin/benchproxy" --nginx "$nginx_bin" \
	--rivta "$rivta" --out bench/results.json "$@"
