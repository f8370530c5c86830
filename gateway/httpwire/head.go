package httpwire

import (
	"bytes"
	"context"
	"crypto/tls"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"golang.org/x/net/http/httpguts"
)

// Request is one request as the connection read it. It and its Header
// are the connection's, reused for its next request.
type Request struct {
	Method     string
	RequestURI string // as sent
	Path       string // decoded, as url.URL.Path
	RawQuery   string
	Proto      string // "HTTP/1.1" or "HTTP/1.0"
	ProtoMinor int
	Host       string // the Host header, not kept in Header (as net/http)
	// Header holds the request's headers, canonical keys; Host,
	// Transfer-Encoding and (for chunked bodies) Content-Length removed.
	Header http.Header
	// ContentLength is the body's declared length; -1: chunked.
	ContentLength int64
	Body          *Body
	RemoteAddr    string
	LocalAddr     net.Addr
	TLS           *tls.ConnectionState // nil on plain HTTP

	ctx        context.Context
	c          *conn
	wantsClose bool // Connection: close, or HTTP/1.0 without keep-alive
	keepAlive1 bool // HTTP/1.0 with Connection: keep-alive
	expect     bool // Expect: 100-continue on HTTP/1.1 with a body
}

// Context ends when the connection fails or is closed: the consumer went
// away, or the server was closed.
func (r *Request) Context() context.Context { return r.ctx }

// AfterCancel arranges for f to run, on a goroutine of its own, when the
// request's context ends, as context.AfterFunc(r.Context(), f) does; at
// once when it has ended. One function at a time, from the handler's
// goroutine; StopCancel takes it back. It costs no allocation and no
// change to the context per call: the connection registers one
// context.AfterFunc for all its requests.
func (r *Request) AfterCancel(f func()) { r.c.afterCancel(f) }

// StopCancel takes back AfterCancel's function; false when it has run
// or is running (as the stop function context.AfterFunc returns).
func (r *Request) StopCancel() bool { return r.c.stopCancel() }

// HTTPRequest builds an *http.Request for the rare paths that want one
// (the WSDL server): it allocates, the call path does not use it.
func (r *Request) HTTPRequest() *http.Request {
	u := &url.URL{Path: r.Path, RawQuery: r.RawQuery}
	if pu, err := url.ParseRequestURI(r.RequestURI); err == nil {
		u = pu
	}
	hr := &http.Request{
		Method: r.Method, URL: u, Proto: r.Proto, ProtoMajor: 1, ProtoMinor: r.ProtoMinor,
		Header: r.Header.Clone(), Host: r.Host, RequestURI: r.RequestURI, RemoteAddr: r.RemoteAddr,
		TLS: r.TLS, ContentLength: r.ContentLength, Body: http.NoBody,
	}
	return hr.WithContext(context.WithValue(r.ctx, http.LocalAddrContextKey, r.LocalAddr))
}

// headError is a request the server refuses before the handler runs,
// answered in net/http's words.
type headError struct {
	status int
	text   string // after the status text ("400 Bad Request: text"); "" none
}

func (e *headError) Error() string {
	if e.text == "" {
		return strconv.Itoa(e.status) + " " + http.StatusText(e.status)
	}
	return strconv.Itoa(e.status) + " " + http.StatusText(e.status) + ": " + e.text
}

var (
	errTooLarge   = &headError{status: http.StatusRequestHeaderFieldsTooLarge}
	errBadRequest = &headError{status: http.StatusBadRequest}
	errUnsupTE    = &headError{status: http.StatusNotImplemented} // "Unsupported transfer encoding"
	errVersion    = &headError{status: http.StatusHTTPVersionNotSupported, text: "unsupported protocol version"}
	errNoHost     = &headError{status: http.StatusBadRequest, text: "missing required Host header"}
	errBadHost    = &headError{status: http.StatusBadRequest, text: "malformed Host header"}
	errHdrValue   = &headError{status: http.StatusBadRequest, text: "invalid header value"}
	errExpect     = &headError{status: http.StatusExpectationFailed}
)

// field is one header line's key and value as offsets into the head;
// folded: the value goes on over continuation lines.
type field struct {
	k0, k1, v0, v1 int
	folded         bool
}

// parser holds what parsing one head needs, reused per connection.
type parser struct {
	fields []field
	vals   []string // backing of the header map's one-value slices
}

// parse fills r from head, the request line and header lines up to and
// including the empty line. Keys are canonicalised in place, then the
// head becomes one string that every value refers to: the one allocation
// per request.
func (p *parser) parse(head []byte, r *Request) *headError {
	eol := bytes.IndexByte(head, '\n')
	if eol < 0 {
		return errBadRequest
	}
	line := trimCR(head[:eol])
	sp1 := bytes.IndexByte(line, ' ')
	if sp1 < 0 {
		return errBadRequest
	}
	sp2 := bytes.IndexByte(line[sp1+1:], ' ')
	if sp2 < 0 {
		return errBadRequest
	}
	sp2 += sp1 + 1
	method, uri, proto := line[:sp1], line[sp1+1:sp2], line[sp2+1:]
	minor, ok := parseVersion(proto)
	if !ok {
		return errBadRequest
	}
	if !validMethod(method) {
		return errBadRequest
	}
	if minor < 0 {
		return errVersion
	}
	p.fields = p.fields[:0]
	for pos := eol + 1; pos < len(head); {
		end := bytes.IndexByte(head[pos:], '\n')
		if end < 0 {
			return errBadRequest
		}
		end += pos
		l := trimCR(head[pos:end])
		if len(l) == 0 {
			break // the empty line ending the head
		}
		if l[0] == ' ' || l[0] == '\t' {
			// Obsolete line folding (RFC 9112 5.2), as nginx's
			// $ssl_client_cert sends a PEM: the value goes on, joined by
			// one space as net/http's reader does.
			if len(p.fields) == 0 {
				return errBadRequest
			}
			f := &p.fields[len(p.fields)-1]
			f.folded = true
			if v := bytes.TrimRight(l, " \t"); len(bytes.TrimLeft(v, " \t")) > 0 {
				f.v1 = pos + len(v)
			}
			pos = end + 1
			continue
		}
		colon := bytes.IndexByte(l, ':')
		if colon <= 0 {
			return errBadRequest
		}
		if !canonicalise(l[:colon]) {
			return errBadRequest // a space before the colon, or no token (net/http: malformed MIME header line)
		}
		v0, v1 := pos+colon+1, pos+len(l)
		for v0 < v1 && (head[v0] == ' ' || head[v0] == '\t') {
			v0++
		}
		for v1 > v0 && (head[v1-1] == ' ' || head[v1-1] == '\t') {
			v1--
		}
		p.fields = append(p.fields, field{k0: pos, k1: pos + colon, v0: v0, v1: v1})
		pos = end + 1
	}

	s := string(head)
	r.Method = s[:sp1]
	r.RequestURI = s[sp1+1 : sp2]
	r.Proto = "HTTP/1.1"
	if minor == 0 {
		r.Proto = "HTTP/1.0"
	}
	r.ProtoMinor = minor
	if !r.setURI(uri) {
		return errBadRequest
	}
	h := r.Header
	clear(h)
	p.vals = p.vals[:0]
	r.Host = ""
	hosts := 0
	for _, f := range p.fields {
		k, v := s[f.k0:f.k1], s[f.v0:f.v1]
		if f.folded {
			v = unfold(v)
		}
		if !httpguts.ValidHeaderFieldValue(v) {
			return errHdrValue
		}
		if k == "Host" {
			if hosts == 0 {
				r.Host = v
			}
			hosts++
			continue
		}
		if old, ok := h[k]; ok {
			h[k] = append(old, v) // a repeated header: rare, allowed to allocate
			continue
		}
		p.vals = append(p.vals, v)
		n := len(p.vals)
		h[k] = p.vals[n-1 : n : n]
	}
	if minor >= 1 && hosts == 0 {
		return errNoHost
	}
	if hosts > 1 || (hosts == 1 && !httpguts.ValidHostHeader(r.Host)) {
		return errBadHost
	}
	return r.setFraming()
}

// unfold joins a value folded over lines with single spaces.
func unfold(v string) string {
	var b strings.Builder
	b.Grow(len(v))
	for i, part := range strings.Split(v, "\n") {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(strings.Trim(part, " \t\r"))
	}
	return strings.TrimLeft(b.String(), " ")
}

// setURI takes the request target: the path (decoded) and query.
func (r *Request) setURI(uri []byte) bool {
	fast := len(uri) > 0 && uri[0] == '/'
	for _, b := range uri {
		if b == '%' || b == '#' || b < 0x21 || b == 0x7f {
			fast = false
			break
		}
	}
	if fast {
		r.Path, r.RawQuery, _ = strings.Cut(r.RequestURI, "?")
		return true
	}
	u, err := url.ParseRequestURI(r.RequestURI) // rare: escapes, absolute form, or refused
	if err != nil {
		return false
	}
	r.Path, r.RawQuery = u.Path, u.RawQuery
	return true
}

// setFraming reads the body's framing and the connection's fate from the
// headers, as net/http does: Transfer-Encoding (HTTP/1.1 only) must be
// exactly chunked and wins over Content-Length, which is dropped; several
// Content-Length values must agree; HTTP/1.0 keeps the connection only
// with Connection: keep-alive; Expect other than 100-continue is refused.
func (r *Request) setFraming() *headError {
	h := r.Header
	r.ContentLength = 0
	te, hasTE := h["Transfer-Encoding"]
	if hasTE {
		delete(h, "Transfer-Encoding")
		if r.ProtoMinor >= 1 {
			if len(te) != 1 || !strings.EqualFold(te[0], "chunked") {
				return errUnsupTE
			}
			delete(h, "Content-Length")
			r.ContentLength = -1
		}
	}
	if cl := h["Content-Length"]; r.ContentLength == 0 && len(cl) > 0 {
		for _, v := range cl[1:] {
			if v != cl[0] {
				return errBadRequest
			}
		}
		n, ok := parseLength(cl[0])
		if !ok {
			return errBadRequest
		}
		r.ContentLength = n
	}
	// Every Connection line counts, as in net/http: "keep-alive" on one
	// and "close" on another closes.
	conn := h["Connection"]
	if r.ProtoMinor == 0 {
		r.keepAlive1 = anyHasToken(conn, "keep-alive") && !anyHasToken(conn, "close")
		r.wantsClose = !r.keepAlive1
	} else {
		r.keepAlive1 = false
		r.wantsClose = anyHasToken(conn, "close")
	}
	r.expect = false
	for _, v := range h["Expect"] {
		if !strings.EqualFold(v, "100-continue") {
			return errExpect
		}
		r.expect = r.ProtoMinor >= 1 && r.ContentLength != 0
	}
	return nil
}

// parseLength is a Content-Length value: decimal digits only.
func parseLength(v string) (int64, bool) {
	if v == "" || len(v) > 18 {
		return 0, false
	}
	var n int64
	for i := 0; i < len(v); i++ {
		if v[i] < '0' || v[i] > '9' {
			return 0, false
		}
		n = n*10 + int64(v[i]-'0')
	}
	return n, true
}

// parseVersion reads "HTTP/1.x": the minor version, -1 for a well-formed
// version other than 1.x (505); ok false when malformed.
func parseVersion(p []byte) (minor int, ok bool) {
	switch string(p) {
	case "HTTP/1.1":
		return 1, true
	case "HTTP/1.0":
		return 0, true
	}
	if len(p) != len("HTTP/x.y") || string(p[:5]) != "HTTP/" || p[6] != '.' ||
		p[5] < '0' || p[5] > '9' || p[7] < '0' || p[7] > '9' {
		return 0, false
	}
	if p[5] != '1' {
		return -1, true
	}
	return int(p[7] - '0'), true
}

func validMethod(m []byte) bool {
	if len(m) == 0 {
		return false
	}
	for _, b := range m {
		if !httpguts.IsTokenRune(rune(b)) {
			return false
		}
	}
	return true
}

// canonicalise makes a header key canonical in place (content-type ->
// Content-Type), reporting false when it is not a token.
func canonicalise(k []byte) bool {
	upper := true
	for i, b := range k {
		if !httpguts.IsTokenRune(rune(b)) {
			return false
		}
		switch {
		case upper && 'a' <= b && b <= 'z':
			k[i] = b - ('a' - 'A')
		case !upper && 'A' <= b && b <= 'Z':
			k[i] = b + ('a' - 'A')
		}
		upper = b == '-'
	}
	return true
}

func trimCR(l []byte) []byte {
	if n := len(l); n > 0 && l[n-1] == '\r' {
		return l[:n-1]
	}
	return l
}

// anyHasToken reports whether one of the header's lines holds token.
func anyHasToken(lines []string, token string) bool {
	for _, v := range lines {
		if HasToken(v, token) {
			return true
		}
	}
	return false
}

// HasToken reports whether the comma-separated header list v (a
// Connection header, say) holds token, ignoring case. The producer client
// (gateway/proxy) reads its answers' Connection headers with it too.
func HasToken(v, token string) bool {
	for v != "" {
		var t string
		t, v, _ = strings.Cut(v, ",")
		if strings.EqualFold(strings.TrimSpace(t), token) {
			return true
		}
	}
	return false
}
