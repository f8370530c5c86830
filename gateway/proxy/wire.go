package proxy

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/rivgate/rivgate/gateway/httpwire"
)

// The HTTP/1.1 subset a SOAP call needs, written and read over pooled
// buffers: a POST with Content-Length or chunked, and an answer framed by
// Content-Length, chunked or the connection's close. The error texts are
// net/http's, which VP009 details have shown so far.

// writeHead writes the request line and headers of a POST to u into bw:
// the consumer's headers in as the rules o leave them (https: the
// producer's scheme), then the gateway's own, straight from in without a
// map of their own. length < 0 sends the body chunked.
func writeHead(bw *bufio.Writer, u *url.URL, in http.Header, o *OutboundHeaders, https bool, length int64) error {
	_, _ = bw.WriteString("POST ")
	if u.Opaque != "" {
		_, _ = bw.WriteString(u.RequestURI())
	} else {
		p := u.EscapedPath()
		if p == "" {
			p = "/"
		}
		_, _ = bw.WriteString(p)
		if u.ForceQuery || u.RawQuery != "" {
			_ = bw.WriteByte('?')
			_, _ = bw.WriteString(u.RawQuery)
		}
	}
	_, _ = bw.WriteString(" HTTP/1.1\r\nHost: ")
	_, _ = bw.WriteString(u.Host)
	_, _ = bw.WriteString("\r\n")
	var room ownFields
	own, conn := o.plan(in, https, &room)
	for k, vv := range in {
		if !o.passes(k, conn, own) {
			continue
		}
		if err := writeField(bw, k, vv...); err != nil {
			return err
		}
	}
	for _, f := range own {
		if err := writeField(bw, f.name, f.value); err != nil {
			return err
		}
	}
	if length >= 0 {
		_, _ = bw.WriteString("Content-Length: ")
		_, _ = bw.Write(strconv.AppendInt(bw.AvailableBuffer(), length, 10))
		_, _ = bw.WriteString("\r\n\r\n")
	} else {
		_, _ = bw.WriteString("Transfer-Encoding: chunked\r\n\r\n")
	}
	return nil
}

// writeField writes one header's lines, refusing (net/http's words) a
// name or value that is not one: nothing of the call is sent then.
func writeField(bw *bufio.Writer, k string, vv ...string) error {
	if !httpwire.ValidHeaderName(k) {
		return invalidHeader(fmt.Sprintf("net/http: invalid header field name %q", k))
	}
	for _, v := range vv {
		if !httpwire.ValidHeaderValue(v) {
			return invalidHeader(fmt.Sprintf("net/http: invalid header field value for %q", k))
		}
		if v == "" && k == "User-Agent" {
			continue
		}
		_, _ = bw.WriteString(k)
		_, _ = bw.WriteString(": ")
		_, _ = bw.WriteString(strings.Trim(v, " \t"))
		_, _ = bw.WriteString("\r\n")
	}
	return nil
}

// invalidHeader is a request the client refuses to write (net/http's
// words); nothing went out.
type invalidHeader string

func (e invalidHeader) Error() string { return string(e) }

// answerHead is what the status line and headers say about an answer.
type answerHead struct {
	status  int
	length  int64 // -1: chunked or until close
	chunked bool
	close   bool // the connection ends with this answer
}

// errHeadTooBig keeps net/http's wording; %d is the limit.
func errHeadTooBig(limit int64) error {
	return fmt.Errorf("net/http: server response headers exceeded %d bytes; aborted", limit)
}

// errBroken wraps a failure after the answer began, as net/http did.
func errBroken(err error) error {
	return fmt.Errorf("net/http: HTTP/1.x transport connection broken: %w", err)
}

// maxInterim bounds 1xx answers before the final one (net/http's 5).
const maxInterim = 5

// readHead reads the answer's status line and headers into h, skipping
// interim (1xx) answers. An error before the answer's first byte comes
// as it is (a close of a reused connection shows as io.EOF there).
func (c *callState) readHead(br *bufio.Reader, limit int64, h http.Header) (answerHead, error) {
	for interim := 0; ; interim++ {
		if interim == 0 {
			if _, err := br.Peek(1); err != nil {
				return answerHead{}, err
			}
		}
		left := limit
		ah, err := c.readOneHead(br, &left, h)
		if err != nil {
			if errors.Is(err, errHeadLimit) {
				return ah, errHeadTooBig(limit)
			}
			if err == io.EOF {
				err = io.ErrUnexpectedEOF
			}
			return ah, errBroken(err)
		}
		if ah.status >= 100 && ah.status < 200 && ah.status != http.StatusSwitchingProtocols {
			if interim+1 >= maxInterim {
				return ah, errBroken(errors.New("net/http: too many 1xx informational responses"))
			}
			clear(h)
			c.vals = c.vals[:0]
			continue
		}
		return ah, nil
	}
}

var errHeadLimit = errors.New("head over the limit")

// readLine reads one line without its CR LF, counting it against left.
// A line longer than the reader's buffer is gathered in c.long.
func (c *callState) readLine(br *bufio.Reader, left *int64) ([]byte, error) {
	line, err := br.ReadSlice('\n')
	if err == bufio.ErrBufferFull {
		c.long = append(c.long[:0], line...)
		for err == bufio.ErrBufferFull {
			if int64(len(c.long)) > *left {
				return nil, errHeadLimit
			}
			line, err = br.ReadSlice('\n')
			c.long = append(c.long, line...)
		}
		line = c.long
	}
	*left -= int64(len(line))
	if *left < 0 {
		return nil, errHeadLimit
	}
	if err != nil {
		return nil, err
	}
	line = line[:len(line)-1]
	if n := len(line); n > 0 && line[n-1] == '\r' {
		line = line[:n-1]
	}
	return line, nil
}

func (c *callState) readOneHead(br *bufio.Reader, left *int64, h http.Header) (answerHead, error) {
	ah := answerHead{length: -1}
	line, err := c.readLine(br, left)
	if err != nil {
		return ah, err
	}
	proto, rest, ok := bytes.Cut(line, []byte(" "))
	if !ok {
		return ah, fmt.Errorf("malformed HTTP response %q", line)
	}
	rest = bytes.TrimLeft(rest, " ")
	code, _, _ := bytes.Cut(rest, []byte(" "))
	if len(code) != 3 || code[0] < '0' || code[0] > '9' || code[1] < '0' || code[1] > '9' || code[2] < '0' || code[2] > '9' {
		return ah, fmt.Errorf("malformed HTTP status code %q", code)
	}
	ah.status = int(code[0]-'0')*100 + int(code[1]-'0')*10 + int(code[2]-'0')
	minor, ok := http1Minor(proto)
	if !ok {
		return ah, fmt.Errorf("malformed HTTP version %q", proto)
	}
	ah.close = minor == 0 // HTTP/1.0 keeps the connection only when asked to
	keepAlive := false
	var lastKey string
	lengths, encodings := 0, 0
	for {
		line, err := c.readLine(br, left)
		if err != nil {
			return ah, err
		}
		if len(line) == 0 {
			break
		}
		if line[0] == ' ' || line[0] == '\t' {
			// An obsolete line folding: part of the last header's value.
			vv := h[lastKey]
			if lastKey == "" || len(vv) == 0 {
				return ah, fmt.Errorf("malformed MIME header initial line: %s", line)
			}
			vv[len(vv)-1] += " " + string(bytes.Trim(line, " \t"))
			continue
		}
		k, v, ok := bytes.Cut(line, []byte(":"))
		if !ok || !httpwire.CanonicalKey(k) {
			return ah, fmt.Errorf("malformed MIME header line: %s", line)
		}
		v = bytes.Trim(v, " \t")
		key := c.intern(k, commonKeys)
		value := c.intern(v, commonValues)
		switch key {
		case "Content-Length":
			n, err := strconv.ParseUint(value, 10, 63)
			if err != nil {
				return ah, fmt.Errorf("bad Content-Length %q", value)
			}
			if lengths > 0 && int64(n) != ah.length {
				return ah, fmt.Errorf("http: message cannot contain multiple Content-Length headers; got %q", h["Content-Length"][0]+", "+value)
			}
			ah.length = int64(n)
			lengths++
		case "Transfer-Encoding":
			if encodings++; encodings > 1 || !strings.EqualFold(value, "chunked") {
				return ah, fmt.Errorf("unsupported transfer encoding: %q", value)
			}
			ah.chunked = true
			continue // framing, not passed on
		case "Connection":
			if httpwire.HasToken(value, "close") {
				ah.close = true
			}
			if httpwire.HasToken(value, "keep-alive") {
				keepAlive = true
			}
		}
		if vv := h[key]; vv != nil {
			h[key] = append(vv, value) // a repeated header: rare, allowed to allocate
		} else {
			h[key] = c.answerValue(value)
		}
		lastKey = key
	}
	if minor == 0 && keepAlive {
		ah.close = false
	}
	switch {
	case ah.status < 200 || ah.status == http.StatusNoContent || ah.status == http.StatusNotModified:
		ah.length, ah.chunked = 0, false
		delete(h, "Content-Length")
		if ah.status == http.StatusSwitchingProtocols {
			ah.close = true // no longer HTTP: never pooled
		}
	case ah.chunked:
		ah.length = -1
		delete(h, "Content-Length")
	case lengths == 0:
		ah.close = true // the body ends with the connection
	}
	return ah, nil
}

// http1Minor parses "HTTP/1.x".
func http1Minor(proto []byte) (int, bool) {
	if len(proto) != 8 || !bytes.HasPrefix(proto, []byte("HTTP/1.")) || proto[7] < '0' || proto[7] > '9' {
		return 0, false
	}
	return int(proto[7] - '0'), true
}

// commonKeys and commonValues are answer header names and values shared
// instead of allocated per call.
var commonKeys = internTable("Content-Type", "Content-Length", "Date", "Server", "Connection", "Keep-Alive",
	"Transfer-Encoding", "Cache-Control", "Pragma", "Expires", "Set-Cookie", "Vary", "X-Powered-By",
	"Strict-Transport-Security", "X-Content-Type-Options", "X-Frame-Options", "Content-Encoding", "Etag", "Last-Modified")

var commonValues = internTable("text/xml; charset=UTF-8", "text/xml;charset=UTF-8", "text/xml; charset=utf-8", "text/xml;charset=utf-8",
	"text/xml", "application/soap+xml; charset=utf-8", "application/soap+xml;charset=UTF-8", "close", "keep-alive", "chunked",
	"no-cache", "nosniff", "0")

func internTable(s ...string) map[string]string {
	m := make(map[string]string, len(s))
	for _, v := range s {
		m[v] = v
	}
	return m
}

// maxSeen bounds the names and values a call state keeps from earlier
// answers, maxInterned the length of one: a producer's Date changes every
// second, and a long value is rare.
const (
	maxSeen     = 64
	maxInterned = 128
)

// intern is b as a string: a common one, or one this call state made for
// an earlier answer (a producer sends the same names and values call
// after call; strings never change, so sharing them is safe), else new.
func (c *callState) intern(b []byte, common map[string]string) string {
	if s, ok := common[string(b)]; ok {
		return s
	}
	if len(b) > maxInterned {
		return string(b)
	}
	if s, ok := c.seen[string(b)]; ok {
		return s
	}
	if len(c.seen) >= maxSeen {
		clear(c.seen)
	}
	s := string(b)
	c.seen[s] = s
	return s
}

// answerValue is v as a one-value header slice in the call's room for the
// answer's values (see Exchange.answerRoom).
func (c *callState) answerValue(v string) []string {
	c.vals = append(c.vals, v)
	n := len(c.vals)
	return c.vals[n-1 : n : n]
}

// answerBody reads an answer's body straight from the connection's
// buffer: next hands out what is buffered (at most the buffer's size),
// so a body of any size passes through a fixed amount of memory.
type answerBody struct {
	br      *bufio.Reader
	chunked bool
	close   bool  // until the connection's end
	left    int64 // bytes left: of the body, or of the current chunk
	chunkIn bool  // inside a chunk's data (its CR LF still to come)
	done    bool
	c       *callState
}

func (b *answerBody) reset(br *bufio.Reader, ah answerHead, c *callState) {
	*b = answerBody{br: br, chunked: ah.chunked, close: !ah.chunked && ah.length < 0, left: max(ah.length, 0), c: c}
	if !b.chunked && !b.close && b.left == 0 {
		b.done = true
	}
}

// next returns the body's next bytes, valid until the following call;
// io.EOF once the body is complete.
func (b *answerBody) next() ([]byte, error) {
	if b.done {
		return nil, io.EOF
	}
	switch {
	case b.chunked:
		if b.left == 0 {
			if err := b.nextChunk(); err != nil {
				return nil, err
			}
			if b.done {
				return nil, io.EOF
			}
		}
		p, err := b.buffered(b.left)
		if err == io.EOF {
			err = io.ErrUnexpectedEOF
		}
		b.left -= int64(len(p))
		return p, err
	case b.close:
		p, err := b.buffered(int64(b.br.Size()))
		if err == io.EOF {
			b.done = true
		}
		return p, err
	default:
		p, err := b.buffered(b.left)
		b.left -= int64(len(p))
		if b.left == 0 {
			b.done = true
		}
		if err == io.EOF {
			err = io.ErrUnexpectedEOF
		}
		return p, err
	}
}

// buffered returns up to n bytes from the reader's buffer, reading once
// when it is empty.
func (b *answerBody) buffered(n int64) ([]byte, error) {
	if b.br.Buffered() == 0 {
		if _, err := b.br.Peek(1); err != nil {
			return nil, err
		}
	}
	m := b.br.Buffered()
	if int64(m) > n {
		m = int(n)
	}
	p, _ := b.br.Peek(m)
	_, _ = b.br.Discard(m)
	return p, nil
}

// maxChunkLine bounds a chunk-size line (net/http's 4096).
const maxChunkLine = 4096

// nextChunk reads the CR LF after the last chunk's data and the next
// chunk's size line; after the last chunk (size 0) the trailer, which is
// read and dropped.
func (b *answerBody) nextChunk() error {
	left := int64(maxChunkLine)
	if b.chunkIn {
		line, err := b.c.readLine(b.br, &left)
		if err != nil {
			return chunkErr(err)
		}
		if len(line) != 0 {
			return errors.New("malformed chunked encoding")
		}
		b.chunkIn = false
	}
	left = maxChunkLine
	line, err := b.c.readLine(b.br, &left)
	if err != nil {
		return chunkErr(err)
	}
	if i := bytes.IndexByte(line, ';'); i >= 0 {
		line = line[:i]
	}
	line = bytes.TrimRight(line, " \t")
	if len(line) == 0 || len(line) > 16 {
		return errors.New("invalid byte in chunk length")
	}
	var n uint64
	for _, d := range line {
		switch {
		case d >= '0' && d <= '9':
			d -= '0'
		case d >= 'a' && d <= 'f':
			d -= 'a' - 10
		case d >= 'A' && d <= 'F':
			d -= 'A' - 10
		default:
			return errors.New("invalid byte in chunk length")
		}
		n = n<<4 | uint64(d)
	}
	if n > 1<<62 {
		return errors.New("http chunk length too large")
	}
	if n == 0 {
		for {
			left = 64 << 10
			line, err := b.c.readLine(b.br, &left)
			if err != nil {
				return chunkErr(err)
			}
			if len(line) == 0 {
				b.done = true
				return nil
			}
		}
	}
	b.left, b.chunkIn = int64(n), true
	return nil
}

func chunkErr(err error) error {
	switch {
	case err == io.EOF:
		return io.ErrUnexpectedEOF
	case errors.Is(err, errHeadLimit):
		return errors.New("header line too long")
	}
	return err
}
