package gateway

import (
	"crypto/subtle"
	"encoding/json"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"runtime"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/rivgate/rivgate/gateway/identity"
)

// Status is the JSON on /status.
type Status struct {
	Name          string          `json:"name"`
	InstanceID    string          `json:"instance_id"`
	Version       string          `json:"version"`
	Started       time.Time       `json:"started"`
	UptimeSeconds float64         `json:"uptime_seconds"`
	Ready         bool            `json:"ready"`
	InFlight      int64           `json:"in_flight"`
	Catalogue     CatalogueStatus `json:"catalogue"`
	LastReload    *reloadRecord   `json:"last_reload,omitempty"`
	// CatalogueChanges is what the latest reloads changed (changes.go).
	CatalogueChanges *CatalogueChanges `json:"catalogue_changes,omitempty"`
	TLS              *identity.Info    `json:"tls,omitempty"`
	Listeners        map[string]string `json:"listeners"`
	HeapBytes        uint64            `json:"heap_bytes"`
	Goroutines       int               `json:"goroutines"`
}

// Status reports what /status shows.
func (g *Gateway) Status() Status {
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	s := Status{
		Name: g.cfg.Instance.Name, InstanceID: g.cfg.Instance.ID, Version: g.version, Started: g.started,
		UptimeSeconds: time.Since(g.started).Seconds(), Ready: g.Ready(), InFlight: g.inFlight.Load(),
		Catalogue: g.catalogueStatus(), LastReload: g.lastLoad.Load(), Listeners: map[string]string{},
		HeapBytes: ms.HeapAlloc, Goroutines: runtime.NumGoroutine(), CatalogueChanges: g.changes.status(),
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
	mux.HandleFunc("GET /explain", g.serveExplain)
	mux.Handle("GET /metrics", promhttp.HandlerFor(g.reg, promhttp.HandlerOpts{}))
	reset := func(w http.ResponseWriter, r *http.Request) {
		rep := g.Reload(r.Context())
		status := http.StatusOK
		if !rep.Catalogue.OK {
			status = http.StatusInternalServerError
		}
		writeJSON(w, status, rep)
	}
	mux.HandleFunc("POST /resetcache", reset)
	if g.cfg.Admin.GetResetCache {
		mux.HandleFunc("GET /resetcache", reset) // VP's tak-monitor
	}
	return g.guardAdmin(mux)
}

// guardAdmin lets through only what an operator, a probe or Prometheus
// sends: a Host that is an IP address, localhost or in admin.allowed_hosts
// (a web page reaching the port through DNS rebinding names its own host),
// the bearer token when admin.token is set (probes need none), and no
// reload that a browser sent from another site's page (CSRF).
func (g *Gateway) guardAdmin(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !g.adminHostAllowed(r.Host) {
			http.Error(w, "host not accepted on the admin port (admin.allowed_hosts)", http.StatusMisdirectedRequest)
			return
		}
		probe := r.URL.Path == "/healthz" || r.URL.Path == "/readyz"
		if g.adminToken != "" && !probe && !bearerIs(r, g.adminToken) {
			w.Header().Set("WWW-Authenticate", `Bearer realm="rivgate admin"`)
			http.Error(w, "admin.token required: Authorization: Bearer <token>", http.StatusUnauthorized)
			return
		}
		if r.URL.Path == "/resetcache" && crossSite(r) {
			http.Error(w, "cross-site request refused", http.StatusForbidden)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// adminHostAllowed accepts an IP address (a rebinding page cannot be
// served from one it does not own), localhost and admin.allowed_hosts.
func (g *Gateway) adminHostAllowed(hostport string) bool {
	host := hostport
	if h, _, err := net.SplitHostPort(hostport); err == nil {
		host = h
	}
	host = strings.TrimSuffix(strings.Trim(host, "[]"), ".")
	// No Host at all (HTTP/1.0 tools) is not a browser either.
	if _, err := netip.ParseAddr(host); err == nil || host == "" || strings.EqualFold(host, "localhost") {
		return true
	}
	for _, a := range g.cfg.Admin.AllowedHosts {
		if strings.EqualFold(host, strings.TrimSuffix(a, ".")) {
			return true
		}
	}
	return false
}

// bearerIs reports whether r carries "Authorization: Bearer <token>" (the
// scheme in any case, RFC 9110), the token compared in constant time.
func bearerIs(r *http.Request, token string) bool {
	const scheme = "Bearer "
	h := r.Header.Get("Authorization")
	if len(h) < len(scheme) || !strings.EqualFold(h[:len(scheme)], scheme) {
		return false
	}
	return subtle.ConstantTimeCompare([]byte(h[len(scheme):]), []byte(token)) == 1
}

// crossSite reports a request a browser sent from another origin's page:
// Sec-Fetch-Site says so, or Origin names another host. Programs (curl,
// tak-monitor, Prometheus) send neither.
func crossSite(r *http.Request) bool {
	switch r.Header.Get("Sec-Fetch-Site") {
	case "", "same-origin", "none":
	default:
		return true
	}
	if o := r.Header.Get("Origin"); o != "" {
		u, err := url.Parse(o)
		return err != nil || !strings.EqualFold(u.Host, r.Host)
	}
	return false
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(v)
}
