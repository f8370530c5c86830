package gateway

import (
	"fmt"
	"net/http"
	"time"

	"github.com/rivgate/rivgate/gateway/callexplain"
	"github.com/rivgate/rivgate/internal/redact"
)

// serveExplain answers GET /explain?correlation=ID: why the gateway gave
// the calls with that correlation id their answer, as `rivgate tak
// explain` says it from a log file. The calls come from the gateway's own
// ring of recent calls (callwatch), not from its log: the gateway writes
// its log to stderr, which it cannot read back, and a ring is bounded and
// needs no file. The lookup is re-run against the catalogue in use now;
// a call decided by a catalogue since replaced shows as not matching.
func (g *Gateway) serveExplain(w http.ResponseWriter, r *http.Request) {
	id := r.URL.Query().Get("correlation")
	if id == "" {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "give the call's correlation id: /explain?correlation=ID"})
		return
	}
	cat := g.store.Catalogue()
	if cat == nil {
		writeJSON(w, http.StatusServiceUnavailable, map[string]string{"error": "no catalogue loaded: nothing to explain against"})
		return
	}
	found := g.calls.Find(id)
	if len(found) == 0 {
		writeJSON(w, http.StatusNotFound, map[string]string{"error": fmt.Sprintf(
			"correlation id %q is not among the %d latest calls this gateway keeps; explain it from the exchange log: rivgate tak explain --log FILE --correlation ID -c gateway.yaml",
			id, g.calls.Kept())})
		return
	}
	res := callexplain.Result{Catalogue: cat.Data().Source + " (in use since " + cat.Loaded().Format(time.RFC3339) + ")"}
	for i := range found {
		e := &found[i]
		x := callexplain.Explain(cat, e, time.Time{}, g.cfg)
		// Compared as the catalogue holds them, shown as the log shows them.
		e.Producer = redact.URL(e.Producer)
		if x.Producer != nil {
			x.Producer.Address = redact.URL(x.Producer.Address)
		}
		for j := range x.Routes {
			x.Routes[j].Address = redact.URL(x.Routes[j].Address)
		}
		res.Calls = append(res.Calls, x)
	}
	writeJSON(w, http.StatusOK, res)
}
