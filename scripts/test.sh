#!/usr/bin/env bash
# Run every rivgate test. Installs the independent peers the tests use when
# they are missing (xmllint, curl, python3-zeep, python3-junitparser,
# chromium, nginx, pdftotext, systemd-analyze, node, npm),
# then runs go vet, staticcheck and go test -race over the whole module
# (through gotestsum, ending with every skipped test and its reason and the
# slowest packages), the allocation pins without -race (they skip under it)
# and a short fuzz run of every fuzz target.
#
#   ./scripts/test.sh            everything (CI runs this through .ci/run)
#   ./scripts/test.sh -short     skip the long soak-style tests
#   RIVGATE_NO_INSTALL=1 ...     never touch the system packages
set -euo pipefail
cd "$(dirname "$0")/.."

# command-or-check -> Debian package
need_pkgs=()
need() { # $1 = test command, $2 = package
	if ! eval "$1" >/dev/null 2>&1; then need_pkgs+=("$2"); fi
}
need "command -v xmllint" libxml2-utils
need "command -v curl" curl
need "/usr/bin/python3 -c 'import zeep'" python3-zeep
need "command -v chromium" chromium
need "command -v nginx || test -x /usr/sbin/nginx" nginx-light
need "command -v pdftotext" poppler-utils
need "/usr/bin/python3 -c 'import junitparser'" python3-junitparser
need "command -v systemd-analyze" systemd                 # deploy: the unit is verified and rated
need "command -v node" nodejs                             # deploy: Kubernetes schema and Dockerfile validators
need "command -v npm" npm

if [ ${#need_pkgs[@]} -gt 0 ] && [ "${RIVGATE_NO_INSTALL:-}" != 1 ]; then
	sudo=""
	if [ "$(id -u)" != 0 ]; then
		if command -v sudo >/dev/null 2>&1; then sudo="sudo -n"; else sudo="missing"; fi
	fi
	if [ "$sudo" = missing ]; then
		echo "test.sh: missing ${need_pkgs[*]} and not root: tests that need them will skip and say so" >&2
	else
		echo "test.sh: installing ${need_pkgs[*]}" >&2
		$sudo apt-get update -qq
		DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${need_pkgs[@]}" >/dev/null
	fi
fi

echo "== go vet" >&2
go vet ./...

echo "== staticcheck" >&2
go tool staticcheck ./...

# gotestsum runs go test -json and prints a line per package, the output of
# failed tests, and a closing "DONE N tests, M skipped, K failures" line;
# testsummary then lists every skipped test with its reason and the slowest
# packages, so "skips and says so" is visible in CI's output.
echo "== go test -race" >&2
events=$(mktemp "${TMPDIR:-/tmp}/rivgate-test-events.XXXXXX")
trap 'rm -f "$events"' EXIT
status=0
go tool gotestsum --format pkgname-and-test-fails --format-hide-empty-pkg --hide-summary skipped \
	--jsonfile "$events" -- -race -timeout 15m "$@" ./... || status=$?
go run ./tools/testsummary --slow "${SLOW_PACKAGE:-30s}" "$events"
if [ "$status" != 0 ]; then exit "$status"; fi

# ---- allocation pins ----------------------------------------------------------
# Tests that pin heap allocations (TestXxxAlloc...) skip under -race, whose
# instrumentation allocates; they run here once without it, so a pin
# broken by a change fails CI instead of being skipped there.
echo "== allocation pins (without -race)" >&2
mapfile -t alloc_pkgs < <(grep -rl --include='*_test.go' -E '^func Test[A-Za-z0-9_]*Alloc' . | xargs -r -n1 dirname | sort -u)
if [ "${#alloc_pkgs[@]}" -gt 0 ]; then
	go test -count=1 -run 'Alloc' "${alloc_pkgs[@]}"
fi

# ---- fuzz (reliability, issue 11) -------------------------------------------
# Every Go fuzz target in the module (func FuzzXxx in a _test.go file) runs
# for a short time on top of its checked-in corpus (testdata/fuzz/FuzzXxx);
# a failure stops the script and leaves the failing input in testdata.
# Skipped with -short. FUZZTIME sets the budget per target: a count of
# executions (default 30000x, a few seconds each) rather than a duration,
# because Go 1.26's fuzz coordinator can fail a target with a bare "context
# deadline exceeded" when a duration runs out while a worker is mid-call
# (golang/go#75804, fixed in Go 1.27); a count has no deadline to race.
# -timeout still bounds each target.
if [[ " $* " != *" -short "* ]]; then
	fuzztime="${FUZZTIME:-30000x}"
	echo "== fuzz ($fuzztime per target)" >&2
	grep -rl --include='*_test.go' '^func Fuzz' . | sort | while read -r file; do
		pkg="./$(dirname "${file#./}")"
		grep -o '^func Fuzz[A-Za-z0-9_]*' "$file" | cut -d' ' -f2 | while read -r target; do
			echo "-- $target $pkg" >&2
			go test -run '^$' -fuzz "^${target}\$" -fuzztime "$fuzztime" -timeout 3m -parallel 2 "$pkg"
		done
	done
fi
