package gateway

import (
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rivgate/rivgate/contracts/envelope"
	"github.com/rivgate/rivgate/contracts/vpfault"
)

const pingNS = "urn:riv:itintegration:monitoring:PingForConfigurationResponder:1"

// TestPlatformServicesThroughGateway: PingForConfiguration addressed to the
// platform's logical address is answered by the gateway itself after the
// usual authorisation (VP007 without a permission); nothing is forwarded.
func TestPlatformServicesThroughGateway(t *testing.T) {
	t.Parallel()
	p := newProducer(t, nil)
	y := fill(`
routes:
  - {receiver: RIVTA21REQUEST, contract: "{{NS}}", profile: RIVTABP21, address: "{{P}}/x"}
permissions:
  - {sender: "{{C}}", receiver: SE-PLATFORM, contract: "{{PING}}"}
`, "{{NS}}", scheduleNS, "{{P}}", p.srv.URL, "{{C}}", consumerID, "{{PING}}", pingNS)
	b := newBed(t, y, func(b *bed) { b.cfg.Platform.LogicalAddress = "SE-PLATFORM" })
	req := sample(t, "PingForConfiguration-request-rivtabp21-input.xml", "")
	req = []byte(strings.Replace(string(req), ">local-ping-producer<", ">SE-PLATFORM<", 1))
	r := b.post(t, b.client, HTTPS, req, nil)
	require.Equal(t, http.StatusOK, r.status, string(r.body))
	info, err := envelope.SniffBytes(r.body)
	require.NoError(t, err)
	assert.Equal(t, pingNS, info.Body.Space)
	assert.Equal(t, "PingForConfigurationResponse", info.Body.Local)
	assert.NotEmpty(t, r.header.Get("x-skltp-correlation-id"))
	assert.Equal(t, 0, p.count())

	other := b.clientFor(t, "SE-NOT-ALLOWED")
	r = b.post(t, other, HTTPS, req, nil)
	f := r.fault(t)
	assert.Equal(t, vpfault.VP007, f.Code)
	assert.Equal(t, "Authorization missing for serviceNamespace: "+pingNS+", receiverId: SE-PLATFORM, senderId: SE-NOT-ALLOWED", f.DetailString)
}
