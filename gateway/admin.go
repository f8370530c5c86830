package gateway

import (
	"encoding/json"
	"net/http"
	"runtime"
	"time"

	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/rivgate/rivgate/gateway/identity"
)

// Status is the JSON on /status.
type Status struct {
	Name          string            `json:"name"`
	InstanceID    string            `json:"instance_id"`
	Version       string            `json:"version"`
	Started       time.Time         `json:"started"`
	UptimeSeconds float64           `json:"uptime_seconds"`
	Ready         bool              `json:"ready"`
	InFlight      int64             `json:"in_flight"`
	Catalogue     CatalogueStatus   `json:"catalogue"`
	LastReload    *reloadRecord     `json:"last_reload,omitempty"`
	TLS           *identity.Info    `json:"tls,omitempty"`
	Listeners     map[string]string `json:"listeners"`
	HeapBytes     uint64            `json:"heap_bytes"`
	Goroutines    int               `json:"goroutines"`
}

// Status reports what /status shows.
func (g *Gateway) Status() Status {
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	s := Status{
		Name: g.cfg.Instance.Name, InstanceID: g.cfg.Instance.ID, Version: g.version, Started: g.started,
		UptimeSeconds: time.Since(g.started).Seconds(), Ready: g.Ready(), InFlight: g.inFlight.Load(),
		Catalogue: g.catalogueStatus(), LastReload: g.lastLoad.Load(), Listeners: map[string]string{},
		HeapBytes: ms.HeapAlloc, Goroutines: runtime.NumGoroutine(),
	}
	if g.serverTLS != nil {
		info := g.serverTLS.Info()
		s.TLS = &info
	}
	for _, n := range []string{HTTPS, HTTP, Admin} {
		if a := g.Addr(n); a != "" {
			s.Listeners[n] = a
		}
	}
	return s
}

// Ready reports whether a catalogue is loaded (calls can be routed).
func (g *Gateway) Ready() bool { return g.store.Catalogue() != nil }

func (g *Gateway) adminHandler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = w.Write([]byte("ok\n"))
	})
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		if !g.Ready() {
			w.WriteHeader(http.StatusServiceUnavailable)
			_, _ = w.Write([]byte("catalogue not loaded\n"))
			return
		}
		_, _ = w.Write([]byte("ready\n"))
	})
	mux.HandleFunc("GET /status", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, g.Status())
	})
	mux.Handle("GET /metrics", promhttp.HandlerFor(g.reg, promhttp.HandlerOpts{}))
	reset := func(w http.ResponseWriter, r *http.Request) {
		rep := g.Reload(r.Context())
		status := http.StatusOK
		if !rep.Catalogue.OK {
			status = http.StatusInternalServerError
		}
		writeJSON(w, status, rep)
	}
	mux.HandleFunc("GET /resetcache", reset)
	mux.HandleFunc("POST /resetcache", reset)
	return mux
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(v)
}
