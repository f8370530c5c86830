package gateway

import (
	"net"
	"net/http"
	"strings"
)

// serveWSDL answers ?wsdl and ?xsd= without a sender check, as VP does.
// The WSDL's locations are built on contracts.public_url; without it, on
// the address the request arrived at, never on its Host header (any
// client may send any Host, and a cache or a proxy would pass the
// rewritten WSDL on). Behind a TLS-terminating proxy (plain listener,
// allowed peer) the X-VP-Forwarded-Proto/Host/Port headers give the URL
// the consumer used, as in VP.
func (g *Gateway) serveWSDL(w http.ResponseWriter, r *http.Request) int {
	if g.wsdl == nil {
		http.Error(w, "no contract directory configured (contracts.dir)", http.StatusNotFound)
		return http.StatusNotFound
	}
	return g.wsdl.Serve(w, r, g.publicBase(r)+r.URL.EscapedPath())
}

// publicBase is scheme://host[:port] for the locations in a served WSDL.
func (g *Gateway) publicBase(r *http.Request) string {
	if u := g.cfg.Contracts.PublicURL; u != "" {
		return strings.TrimSuffix(u, "/")
	}
	scheme, host := "http", ""
	if a, ok := r.Context().Value(http.LocalAddrContextKey).(net.Addr); ok {
		host = a.String()
	}
	if r.TLS != nil {
		scheme = "https"
	} else if _, ok := g.allow.AllowedString(remoteHost(r.RemoteAddr)); ok {
		if p := r.Header.Get("X-VP-Forwarded-Proto"); p == "http" || p == "https" {
			scheme = p
		}
		if h := r.Header.Get("X-VP-Forwarded-Host"); h != "" {
			host = h
			if port := r.Header.Get("X-VP-Forwarded-Port"); port != "" && !strings.Contains(h, ":") {
				host = h + ":" + port
			}
		}
	}
	return scheme + "://" + host
}

func remoteHost(addr string) string {
	if i := strings.LastIndexByte(addr, ':'); i > 0 {
		return strings.Trim(addr[:i], "[]")
	}
	return addr
}
