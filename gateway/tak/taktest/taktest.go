// Package taktest holds test helpers for the tak packages and their CLI: where the
// shared RIV-TA samples are, and small builders for catalogue entries.
package taktest

import (
	"testing"
	"time"

	"github.com/rivgate/rivgate/contracts/rivta"
	"github.com/rivgate/rivgate/gateway/tak/takdata"
	"github.com/rivgate/rivgate/internal/testutil"
)

// VP's TAK and HSA test data, the inputs of VP's own integration tests.
func VPRoutes(t testing.TB) string {
	return testutil.Shared(t, "samples", "skltp-vp", "takdata", "tak-vagval-test.xml")
}

// VPPermissions is VP's tak-behorigheter-test.xml.
func VPPermissions(t testing.TB) string {
	return testutil.Shared(t, "samples", "skltp-vp", "takdata", "tak-behorigheter-test.xml")
}

// VPHSA returns VP's hsacache.xml and hsacachecomplementary.xml.
func VPHSA(t testing.TB) []string {
	return []string{testutil.Shared(t, "samples", "skltp-vp", "hsacache.xml"), testutil.Shared(t, "samples", "skltp-vp", "hsacachecomplementary.xml")}
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

// Generate makes n routes and n permissions with distinct keys over 500
// contracts, zone-less dates as tak-services sends them, as a large national
// catalogue would look. Receiver i is "SE2321000016-R<i>".
func Generate(n int, loc *time.Location) *takdata.Data {
	d := &takdata.Data{Source: "generated", Routes: make([]takdata.Route, n), Permissions: make([]takdata.Permission, n)}
	contracts := make([]string, 500)
	for i := range contracts {
		contracts[i] = "urn:riv:generated:domain" + itoa(i%37) + ":Interaction" + itoa(i) + "Responder:1"
	}
	from, _ := takdata.ParseBound("2024-01-01T00:00:00", false, loc, takdata.ExactZoned)
	to, _ := takdata.ParseBound("2124-01-01T00:00:00", true, loc, takdata.ExactZoned)
	v := takdata.Validity{From: from, To: to, FromText: "2024-01-01T00:00:00", ToText: "2124-01-01T00:00:00"}
	for i := range n {
		recv := "SE2321000016-R" + itoa(i)
		c := contracts[i%len(contracts)]
		d.Routes[i] = takdata.Route{ID: itoa(i + 1), Receiver: recv, Contract: c, Profile: rivta.RIVTABP21,
			Address: "https://producer" + itoa(i%1000) + ".example.se/" + itoa(i) + "/rivtabp21", Validity: v}
		d.Permissions[i] = takdata.Permission{ID: itoa(i + 1), Sender: "SE2321000016-C" + itoa(i%2000), Receiver: recv, Contract: c, Validity: v}
	}
	return d
}

func itoa(i int) string {
	var b [20]byte
	n := len(b)
	for {
		n--
		b[n] = byte('0' + i%10)
		i /= 10
		if i == 0 {
			return string(b[n:])
		}
	}
}
