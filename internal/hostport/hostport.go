// Package hostport checks the network addresses people write in
// configuration: a listen address (host:port) and the port of a URL, so a
// port out of range or a malformed address is refused when the file is
// loaded, naming the value, instead of when a listener or a call fails.
package hostport

import (
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
)

// CheckListen checks a listen address: host:port where host is empty (all
// interfaces), an IP address or a host name, and port a number 0-65535 (0
// lets the system pick a free port).
func CheckListen(addr string) error {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("%q is not host:port: %w", addr, err)
	}
	if err := checkHost(host); err != nil {
		return fmt.Errorf("%q: %w", addr, err)
	}
	if _, err := parsePort(port, true); err != nil {
		return fmt.Errorf("%q: %w", addr, err)
	}
	return nil
}

// CheckURLPort checks the port of u, when it has one: a number 1-65535
// (url.Parse takes any digits).
func CheckURLPort(u *url.URL) error {
	if p := u.Port(); p != "" {
		_, err := parsePort(p, false)
		return err
	}
	return nil
}

// parsePort reads a port number, 0 only when zero is allowed.
func parsePort(s string, zero bool) (int, error) {
	n, err := strconv.Atoi(s)
	lo := 1
	if zero {
		lo = 0
	}
	switch {
	case s == "":
		return 0, fmt.Errorf("no port")
	case err != nil || strings.ContainsAny(s, "+-"):
		return 0, fmt.Errorf("port %q is not a number", s)
	case n < lo || n > 65535:
		return 0, fmt.Errorf("port %d is out of range %d-65535", n, lo)
	}
	return n, nil
}

// checkHost wants nothing (all interfaces), an IP address (a zone
// allowed) or a host name of letters, digits, '-' and '.'.
func checkHost(h string) error {
	if h == "" {
		return nil
	}
	if _, err := netip.ParseAddr(h); err == nil {
		return nil
	}
	if len(h) > 253 || strings.HasPrefix(h, ".") || strings.Contains(h, "..") {
		return fmt.Errorf("host %q is not a host name or IP address", h)
	}
	for _, r := range h {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '.' || r == '_') {
			return fmt.Errorf("host %q is not a host name or IP address", h)
		}
	}
	return nil
}
