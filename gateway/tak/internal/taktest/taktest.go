// Package taktest holds test helpers shared by the tak packages: where the
// shared RIV-TA samples are, and small builders for catalogue entries.
package taktest

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/rivgate/rivgate/contracts/rivta"
	"github.com/rivgate/rivgate/gateway/tak/takdata"
)

// ModuleRoot is the directory holding go.mod, found from the working
// directory upwards.
func ModuleRoot(t testing.TB) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for range 32 {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			break
		}
		dir = parent
	}
	t.Fatal("go.mod not found above the test's directory")
	return ""
}

// Shared returns a path under ../shared/rivta (next to the repository) and
// skips the test, saying so, when the shared data is absent.
func Shared(t testing.TB, rel ...string) string {
	t.Helper()
	p := filepath.Join(append([]string{ModuleRoot(t), "..", "shared", "rivta"}, rel...)...)
	if _, err := os.Stat(p); err != nil {
		t.Skipf("shared RIV-TA sample %s missing (tests read ../shared/rivta next to the repository): %v", p, err)
	}
	return p
}

// VP's TAK and HSA test data, the inputs of VP's own integration tests.
func VPRoutes(t testing.TB) string {
	return Shared(t, "samples", "skltp-vp", "takdata", "tak-vagval-test.xml")
}

// VPPermissions is VP's tak-behorigheter-test.xml.
func VPPermissions(t testing.TB) string {
	return Shared(t, "samples", "skltp-vp", "takdata", "tak-behorigheter-test.xml")
}

// VPHSA returns VP's hsacache.xml and hsacachecomplementary.xml.
func VPHSA(t testing.TB) []string {
	return []string{Shared(t, "samples", "skltp-vp", "hsacache.xml"), Shared(t, "samples", "skltp-vp", "hsacachecomplementary.xml")}
}

// R is a route valid forever.
func R(receiver, contract string, profile rivta.Profile, address string) takdata.Route {
	return takdata.Route{Receiver: receiver, Contract: contract, Profile: profile, Address: address}
}

// P is a permission valid forever.
func P(sender, receiver, contract string) takdata.Permission {
	return takdata.Permission{Sender: sender, Receiver: receiver, Contract: contract}
}

// Between sets a validity on a route.
func Between(r takdata.Route, from, to time.Time) takdata.Route {
	r.From, r.To = from, to
	return r
}
