package gateway

import (
	"encoding/json"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rivgate/rivgate/gateway/callexplain"
)

func status(t *testing.T, b *bed) Status {
	t.Helper()
	code, body := adminGet(t, b, "/status")
	require.Equal(t, http.StatusOK, code, body)
	var st Status
	require.NoError(t, json.Unmarshal([]byte(body), &st))
	return st
}

// TestReloadChangesOnStatus: traffic goes to a route, a reload removes it,
// and /status shows, once the background comparison is done, the route
// removed, the calls it broke, and the triple the traffic used at the top
// with its count and both answers. A reload that changes nothing leaves
// that shown and only moves "compared".
func TestReloadChangesOnStatus(t *testing.T) {
	t.Parallel()
	vb := newVPBed(t)
	assert.Nil(t, status(t, vb.bed).CatalogueChanges, "nothing reloaded yet")
	for range 3 {
		require.Equal(t, 200, vb.post(t, vb.client, HTTPS, sample(t, "Rivta21Request.xml", ""), nil).status)
	}
	require.Equal(t, 200, vb.post(t, vb.client, HTTPS, sample(t, "Rivta21Request.xml", "TO-21"), nil).status)
	// The answer goes out before the call is recorded: wait for the record.
	require.Eventually(t, func() bool { return status(t, vb.bed).InFlight == 0 }, 10*time.Second, 5*time.Millisecond)

	old, err := os.ReadFile(vb.takPath)
	require.NoError(t, err)
	var kept []string
	for _, l := range strings.Split(string(old), "\n") {
		if !strings.Contains(l, "receiver: RIVTA21REQUEST,") || strings.Contains(l, "sender:") {
			kept = append(kept, l)
		}
	}
	require.Len(t, kept, len(strings.Split(string(old), "\n"))-1, "one route line removed")
	require.NoError(t, os.WriteFile(vb.takPath, []byte(strings.Join(kept, "\n")), 0o644))
	code, body := adminDo(t, vb.bed, http.MethodPost, "/resetcache", nil)
	require.Equal(t, 200, code, body)

	var ch *CatalogueChanges
	require.Eventually(t, func() bool {
		ch = status(t, vb.bed).CatalogueChanges
		return ch != nil && !ch.Running && ch.Last != nil
	}, 10*time.Second, 10*time.Millisecond)
	last := ch.Last
	assert.Equal(t, EntryCounts{Removed: 1}, last.Routes)
	assert.Equal(t, EntryCounts{}, last.Permissions)
	assert.Equal(t, 1, last.Calls.Broken, "the consumer's permitted call to RIVTA21REQUEST")
	assert.Equal(t, 4, last.Traffic.Calls)
	assert.Equal(t, 2, last.Traffic.Triples)
	assert.True(t, last.NewLoaded.After(last.OldLoaded))
	require.Len(t, last.TopChanged, 1, "TO-21's calls answer as before")
	top := last.TopChanged[0]
	assert.Equal(t, ChangedCall{Sender: consumerID, Contract: scheduleNS, Receiver: "RIVTA21REQUEST", Calls: 3, Kind: "broken"},
		ChangedCall{Sender: top.Sender, Contract: top.Contract, Receiver: top.Receiver, Calls: top.Calls, Kind: top.Kind})
	assert.Equal(t, "OK", top.Old.Code)
	assert.Equal(t, vb.p21.srv.URL+"/producer21", top.Old.Address)
	assert.Equal(t, "VP004", top.New.Code)

	// The same catalogue again: compared, nothing changed, the change stays.
	code, body = adminDo(t, vb.bed, http.MethodPost, "/resetcache", nil)
	require.Equal(t, 200, code, body)
	require.Eventually(t, func() bool {
		ch = status(t, vb.bed).CatalogueChanges
		return ch != nil && !ch.Running && ch.Compared.After(last.NewLoaded) && ch.Last != nil && ch.Last.NewLoaded.Equal(last.NewLoaded)
	}, 10*time.Second, 10*time.Millisecond)
}

// TestExplainOnAdminPort: /explain answers for a recent call what `rivgate
// tak explain` says from the log: the entries, producer, timeout, and that
// the re-run matches; a call decided by a catalogue since replaced does
// not match; an id not kept is 404, none 400.
func TestExplainOnAdminPort(t *testing.T) {
	t.Parallel()
	vb := newVPBed(t)
	r := vb.post(t, vb.client, HTTPS, sample(t, "Rivta21Request.xml", ""), http.Header{"X-Skltp-Correlation-Id": {"corr-explain-1"}})
	require.Equal(t, 200, r.status)
	explain := func() (int, callexplain.Result) {
		var res callexplain.Result
		var code int
		// The call is kept just after its answer went out.
		require.Eventually(t, func() bool {
			var body string
			code, body = adminGet(t, vb.bed, "/explain?correlation=corr-explain-1")
			return code != http.StatusNotFound && json.Unmarshal([]byte(body), &res) == nil
		}, 5*time.Second, 5*time.Millisecond)
		return code, res
	}
	code, res := explain()
	require.Equal(t, 200, code)
	require.Len(t, res.Calls, 1)
	x := res.Calls[0]
	assert.Equal(t, "OK", x.Code)
	assert.True(t, x.Matches, x.Mismatch)
	assert.Equal(t, "RIVTA21REQUEST", x.RouteKey)
	assert.Equal(t, "exact", x.RouteVia)
	require.NotNil(t, x.Producer)
	assert.Equal(t, vb.p21.srv.URL+"/producer21", x.Producer.Address)
	assert.Equal(t, "5s", x.Timeout)
	assert.Equal(t, consumerID, x.Logged.Sender)
	assert.Equal(t, 200, x.Logged.Status)
	assert.Contains(t, res.Catalogue, vb.takPath)

	old, err := os.ReadFile(vb.takPath)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(vb.takPath, []byte(strings.Replace(string(old), "/producer21", "/moved21", 1)), 0o644))
	code, body := adminDo(t, vb.bed, http.MethodPost, "/resetcache", nil)
	require.Equal(t, 200, code, body)
	_, res = explain()
	require.Len(t, res.Calls, 1)
	assert.False(t, res.Calls[0].Matches)
	assert.Contains(t, strings.Join(res.Calls[0].Mismatch, "\n"), "/moved21")

	code, body = adminGet(t, vb.bed, "/explain?correlation=never-seen")
	assert.Equal(t, http.StatusNotFound, code)
	assert.Contains(t, body, "rivgate tak explain --log")
	code, _ = adminGet(t, vb.bed, "/explain")
	assert.Equal(t, http.StatusBadRequest, code)
}
