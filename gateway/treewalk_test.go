package gateway

import (
	"net/http"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rivgate/rivgate/contracts/vpfault"
)

const treeNS = "urn:riv:test:TreeWalkResponder:1"

// TestPortedTreeWalk ports SoapUI "Tradklattring" over VP's own HSA file:
// a receiver without a route of its own is routed and authorised through
// its HSA ancestors, and the per-contract switches turn either walk off
// (VP004 for routing, VP007 for authorisation).
func TestPortedTreeWalk(t *testing.T) {
	t.Parallel()
	hsa := filepath.Join(sharedRivta(t), "samples", "skltp-vp", "hsacache.xml")
	p := newProducer(t, nil)
	y := fill(`
routes:
  - {receiver: SE0000000002-1234, contract: "{{NS}}", profile: RIVTABP21, address: "{{P}}/parent"}
permissions:
  - {sender: "{{C}}", receiver: SE0000000003-1234, contract: "{{NS}}"}
`, "{{NS}}", treeNS, "{{P}}", p.srv.URL, "{{C}}", consumerID)
	tests := []struct {
		name       string
		routingOff bool
		authOff    bool
		code       vpfault.Code
	}{
		{"both walks on", false, false, 0},
		{"routing walk off for the contract", true, false, vpfault.VP004},
		{"authorisation walk off for the contract", false, true, vpfault.VP007},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b := newBed(t, y, func(b *bed) {
				b.cfg.TAK.HSAFiles = []string{hsa}
				if tt.routingOff {
					b.cfg.TAK.HSALookup.RoutingExcepted = []string{"urn:riv:test:TreeWalk"}
				}
				if tt.authOff {
					b.cfg.TAK.HSALookup.AuthorizationExcepted = []string{"urn:riv:test:TreeWalk"}
				}
			})
			r := b.post(t, b.client, HTTPS, env21(treeNS, "SE0000000001-1234"), http.Header{"X-Skltp-Correlation-Id": {"tree-1"}})
			if tt.code == 0 {
				require.Equal(t, http.StatusOK, r.status, string(r.body))
				assert.Equal(t, "/parent", p.last(t).path)
				line := exchangeLine(t, b.logs, "tree-1")
				assert.Contains(t, line["routing_trace"], "SE0000000002-1234")
				assert.Contains(t, line["auth_trace"], "SE0000000003-1234")
				return
			}
			assert.Equal(t, tt.code, r.fault(t).Code)
		})
	}
}
