package gateway

import (
	"net/http"
	"strings"
)

// serveWSDL answers ?wsdl and ?xsd= without a sender check, as VP does.
// Behind a TLS-terminating proxy (plain listener, allowed peer) the
// X-VP-Forwarded-Proto/Host/Port headers give the URL the consumer used.
func (g *Gateway) serveWSDL(w http.ResponseWriter, r *http.Request) int {
	if g.wsdl == nil {
		http.Error(w, "no contract directory configured (contracts.dir)", http.StatusNotFound)
		return http.StatusNotFound
	}
	scheme, host := "http", r.Host
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
	return g.wsdl.Serve(w, r, scheme+"://"+host+r.URL.EscapedPath())
}

func remoteHost(addr string) string {
	if i := strings.LastIndexByte(addr, ':'); i > 0 {
		return strings.Trim(addr[:i], "[]")
	}
	return addr
}
