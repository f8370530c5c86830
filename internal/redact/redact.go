// Package redact keeps secrets out of text that is shown: logs, faults sent
// to consumers, /status, command output. Its one rule so far is for URLs:
// the userinfo part (user:password@) never appears.
package redact

import (
	"net/url"
	"strings"
)

// Mask stands where userinfo was, so a reader sees that the address
// carried credentials without seeing them.
const Mask = "xxxxx"

// URL returns s with the userinfo of its authority replaced by Mask
// ("https://xxxxx@host/path"). A string without userinfo comes back as it
// is, without allocating (the exchange log calls this per call). A string
// that does not parse as a URL is handled by hand, so a malformed address
// leaks no credentials either.
func URL(s string) string {
	if !strings.Contains(s, "@") {
		return s
	}
	if u, err := url.Parse(s); err == nil {
		if u.User == nil {
			return s
		}
		u.User = url.User(Mask)
		return u.String()
	}
	prefix, _, host, ok := splitUserinfo(s)
	if !ok {
		return s
	}
	return prefix + Mask + "@" + host
}

// HasUserinfo reports whether the URL s carries userinfo (user:password@)
// in its authority.
func HasUserinfo(s string) bool {
	if !strings.Contains(s, "@") {
		return false
	}
	if u, err := url.Parse(s); err == nil {
		return u.User != nil
	}
	_, _, _, ok := splitUserinfo(s)
	return ok
}

// splitUserinfo cuts "scheme://user:pw@host/rest" into "scheme://",
// "user:pw" and "host/rest"; ok is false without userinfo.
func splitUserinfo(s string) (prefix, userinfo, host string, ok bool) {
	rest := s
	if i := strings.Index(s, "://"); i >= 0 {
		prefix, rest = s[:i+3], s[i+3:]
	}
	auth := rest
	if i := strings.IndexAny(rest, "/?#"); i >= 0 {
		auth = rest[:i]
	}
	at := strings.LastIndexByte(auth, '@')
	if at < 0 {
		return "", "", "", false
	}
	return prefix, rest[:at], rest[at+1:], true
}
