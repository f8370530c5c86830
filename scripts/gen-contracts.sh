#!/usr/bin/env bash
# Regenerate the Go types of the platform's own contracts in
# contracts/generated/ from the published WSDLs with gowsdl v0.5.0 (a go.mod
# tool dependency), then correct gowsdl's output with
# contracts/generated/internal/fixgen so that it marshals to XSD-valid XML.
#
#   ./scripts/gen-contracts.sh [OUTDIR]     default OUTDIR=contracts/generated
#   RIVTA=/path/to/rivta ./scripts/gen-contracts.sh
#
# RIVTA defaults to ../shared/rivta relative to the repository root. The
# output depends only on the WSDL/XSD files and the tool versions, so a test
# (contracts/generated/internal/fixgen) regenerates into a temporary
# directory and fails if any committed file would change.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
out=${1:-contracts/generated}
rivta=${RIVTA:-$root/../shared/rivta}
contracts=$rivta/contracts
if [ ! -d "$contracts" ]; then
	echo "gen-contracts: $contracts not found (set RIVTA to the rivta test data directory)" >&2
	exit 2
fi
mkdir -p "$out"
out=$(cd "$out" && pwd)
version=$(go list -m -f '{{.Version}}' github.com/hooklift/gowsdl)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
go build -o "$tmp/fixgen" ./contracts/generated/internal/fixgen

mon=$contracts/itintegration_monitoring_1.0/schemas/interactions/PingForConfigurationInteraction
reg=$contracts/infrastructure_itintegration_registry_2.0/schemas/interactions
tak=$contracts/skltp_tak_vagval_2.0/schemas/interactions/vagvalsInfo

# gen PACKAGE WSDL [ALSO-WSDL...]
gen() {
	local pkg=$1 wsdl=$2
	shift 2
	local also=()
	for a in "$@"; do also+=(-also "$a"); done
	go tool gowsdl -p "$pkg" -o gowsdl.go -d "$tmp" "$wsdl" >"$tmp/$pkg.log" 2>&1 || {
		cat "$tmp/$pkg.log" >&2
		echo "gen-contracts: gowsdl failed for $wsdl" >&2
		exit 1
	}
	"$tmp/fixgen" -in "$tmp/$pkg/gowsdl.go" -out "$out/$pkg/contract_gen.go" -pkg "$pkg" \
		-wsdl "$wsdl" "${also[@]}" -base "$rivta" -gowsdl-version "$version"
	gofmt -l -w "$out/$pkg/contract_gen.go" >/dev/null
}

gen pingforconfiguration "$mon/PingForConfigurationInteraction_1.0_RIVTABP21.wsdl" \
	"$mon/PingForConfigurationInteraction_1.0_RIVTABP20.wsdl"
gen logicaladdressees "$reg/GetLogicalAddresseesByServiceContractInteraction/GetLogicalAddresseesByServiceContractInteraction_2.0_RIVTABP21.wsdl"
gen supportedcontracts "$reg/GetSupportedServiceContractsInteraction/GetSupportedServiceContractsInteraction_2.0_RIVTABP21.wsdl"
gen sokvagvalsinfo "$tak/vagvalsinfo-sokvagvalsinfo-2.0.wsdl"
