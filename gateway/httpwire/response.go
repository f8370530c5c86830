package httpwire

import (
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

// ResponseWriter writes one answer through the connection's write
// buffer. The first 2 KiB of body are held, so a small answer goes out as
// head and body in one write when the handler is done (or flushes), and
// one without a Content-Length header still gets one; past that, an
// answer with a Content-Length streams through the buffer and one
// without is chunked (on HTTP/1.0: delimited by closing the connection).
type ResponseWriter struct {
	c      *conn
	req    *Request
	header http.Header
	status int

	committed  bool  // the head is in the write buffer
	length     int64 // declared Content-Length; -1: none
	chunked    bool
	noBody     bool // HEAD, 1xx, 204, 304
	written    int64
	pend       []byte // body bytes held while the framing is undecided
	closeAfter bool
	err        error // the first failed write
	keys       []string
	scratch    []byte
}

// bufferBeforeChunking is how much of an answer without Content-Length
// is held to give it one (net/http's 2048).
const bufferBeforeChunking = 2048

func (w *ResponseWriter) reset(r *Request) {
	clear(w.header)
	w.req, w.status, w.committed, w.length, w.chunked, w.noBody = r, 0, false, -1, false, false
	w.written, w.pend, w.closeAfter, w.err = 0, w.pend[:0], r.wantsClose, nil
}

// HeadWritten reports whether the answer's head is written (into the
// write buffer): later changes to Header are not sent, and the map is no
// longer read until the next request.
func (w *ResponseWriter) HeadWritten() bool { return w.committed }

// Header is the answer's header map; changes after the head went out
// are not sent.
func (w *ResponseWriter) Header() http.Header { return w.header }

// WriteHeader sets the status; the head goes out with the first body
// bytes, a Flush or the end of the handler. A second call is ignored, and
// 1xx codes are not sent (the server sends 100 Continue itself).
func (w *ResponseWriter) WriteHeader(code int) {
	if w.status != 0 || code < 200 || code > 999 {
		return
	}
	w.status = code
	if cl := w.header["Content-Length"]; len(cl) > 0 {
		if n, ok := parseLength(strings.TrimSpace(cl[0])); ok {
			w.length = n
		}
	}
}

// Write writes body bytes.
func (w *ResponseWriter) Write(p []byte) (int, error) {
	if w.status == 0 {
		w.WriteHeader(http.StatusOK)
	}
	if w.err != nil {
		return 0, w.err
	}
	if w.length >= 0 && w.written+int64(len(p)) > w.length {
		return 0, http.ErrContentLength
	}
	if !w.committed {
		// The first 2 KiB are held whatever the framing, as net/http's
		// response buffer does: the head (and the discard of an unread
		// body, which may wait for the consumer) comes only when more is
		// written, on a flush or after the handler, so a handler can set
		// the read deadline that discard runs under before it flushes.
		if len(w.pend)+len(p) <= bufferBeforeChunking {
			w.pend = append(w.pend, p...)
			w.written += int64(len(p))
			return len(p), nil
		}
		w.commit(false)
	}
	w.written += int64(len(p))
	return len(p), w.send(p)
}

// WriteString is Write for a string.
func (w *ResponseWriter) WriteString(s string) (int, error) {
	return w.Write([]byte(s))
}

// send writes body bytes after the head, framed.
func (w *ResponseWriter) send(p []byte) error {
	if w.noBody || len(p) == 0 || w.err != nil {
		return w.err
	}
	bw := w.c.bw
	if w.chunked {
		w.scratch = strconv.AppendInt(w.scratch[:0], int64(len(p)), 16)
		w.scratch = append(w.scratch, '\r', '\n')
		_, _ = bw.Write(w.scratch)
	}
	_, err := bw.Write(p)
	if w.chunked && err == nil {
		_, err = bw.WriteString("\r\n")
	}
	w.note(err)
	return w.err
}

func (w *ResponseWriter) note(err error) {
	if err != nil && w.err == nil {
		w.err = err
		w.closeAfter = true
	}
}

// FlushError sends everything written so far.
func (w *ResponseWriter) FlushError() error {
	if w.status == 0 {
		w.WriteHeader(http.StatusOK)
	}
	if !w.committed {
		w.commit(false)
	}
	if w.err == nil {
		w.note(w.c.bw.Flush())
	}
	return w.err
}

// Flush is FlushError for callers that look for http.Flusher.
func (w *ResponseWriter) Flush() { _ = w.FlushError() }

// SetWriteDeadline sets the connection's write deadline for the answer
// (setting the one in place again costs nothing). After the answer it
// bounds no write the next handler does not set a deadline for.
func (w *ResponseWriter) SetWriteDeadline(t time.Time) error {
	return w.c.rwc.SetWriteDeadline(t)
}

// WriteDeadline is the connection's write deadline now: maybe one an
// earlier answer set, which a handler may keep (SetWriteDeadline with it)
// when it fits its own bound.
func (w *ResponseWriter) WriteDeadline() time.Time { return w.c.dc.writeDeadline() }

// commit decides the framing and writes the head into the buffer, with
// the body bytes held so far. done: the handler has returned, so the
// held bytes are the whole body.
func (w *ResponseWriter) commit(done bool) {
	r, h := w.req, w.header
	code := w.status
	w.noBody = r.Method == http.MethodHead || code < 200 || code == http.StatusNoContent || code == http.StatusNotModified
	if w.length < 0 && done && (!w.noBody || r.Method == http.MethodHead && len(w.pend) > 0) {
		w.length = int64(len(w.pend))
	}
	// The rest of the body the handler did not read: up to 256 KiB is
	// read and dropped so the connection can serve the next request;
	// beyond that it closes after the answer (net/http's rule: a client
	// that writes its whole request before reading must not deadlock).
	if !w.closeAfter && !w.c.body.finished() && !w.c.body.discard() {
		w.closeAfter = true
	}
	if w.length < 0 && !w.noBody {
		if r.ProtoMinor >= 1 {
			w.chunked = true
		} else {
			w.closeAfter = true // HTTP/1.0: the close ends the body
		}
	}

	w.c.wmu.Lock()
	defer w.c.wmu.Unlock()
	w.committed = true
	bw := w.c.bw
	b := w.scratch[:0]
	b = append(b, r.Proto...) // net/http answers an HTTP/1.0 request as HTTP/1.0
	b = append(b, ' ')
	b = strconv.AppendInt(b, int64(code), 10)
	b = append(b, ' ')
	b = append(b, http.StatusText(code)...)
	b = append(b, '\r', '\n')
	w.keys = w.keys[:0]
	for k := range h {
		w.keys = append(w.keys, k)
	}
	slices.Sort(w.keys)
	for _, k := range w.keys {
		switch k {
		case "Content-Length", "Transfer-Encoding", "Connection", "Trailer":
			continue // the server's own
		}
		if !ValidHeaderName(k) {
			continue
		}
		for _, v := range h[k] {
			b = appendField(b, k, v)
		}
	}
	if _, ok := h["Date"]; !ok {
		b = append(b, "Date: "...)
		b = time.Now().UTC().AppendFormat(b, http.TimeFormat)
		b = append(b, '\r', '\n')
	}
	if _, ok := h["Content-Type"]; !ok && !w.noBody && len(w.pend) > 0 {
		b = appendField(b, "Content-Type", http.DetectContentType(w.pend))
	}
	switch {
	case w.length >= 0 && !(w.noBody && r.Method != http.MethodHead):
		b = append(b, "Content-Length: "...)
		b = strconv.AppendInt(b, w.length, 10)
		b = append(b, '\r', '\n')
	case w.chunked:
		b = append(b, "Transfer-Encoding: chunked\r\n"...)
	}
	if w.closeAfter {
		b = append(b, "Connection: close\r\n"...)
	} else if r.keepAlive1 {
		b = append(b, "Connection: keep-alive\r\n"...)
	}
	b = append(b, '\r', '\n')
	w.scratch = b
	_, err := bw.Write(b)
	w.note(err)
	if len(w.pend) > 0 {
		_ = w.send(w.pend)
		w.pend = w.pend[:0]
	}
}

// appendField appends "k: v\r\n", a newline in v sent as a space.
func appendField(b []byte, k, v string) []byte {
	b = append(b, k...)
	b = append(b, ':', ' ')
	for i := 0; i < len(v); i++ {
		c := v[i]
		if c == '\r' || c == '\n' {
			c = ' '
		}
		b = append(b, c)
	}
	return append(b, '\r', '\n')
}

// finish ends the answer after the handler: sends what is held, the
// chunked terminator, and flushes. It reports whether the connection can
// take another request.
func (w *ResponseWriter) finish() bool {
	if w.status == 0 {
		w.WriteHeader(http.StatusOK)
	}
	if !w.c.body.finished() {
		// Whatever deadline the handler left, the discard of a body it
		// did not read (at the commit or below) is short: a consumer slow
		// to send a body nobody reads loses the connection, not a
		// goroutine for long.
		_ = w.c.rwc.SetReadDeadline(time.Now().Add(lingerAfterClose))
	}
	if !w.committed {
		w.commit(true)
	}
	if w.chunked && w.err == nil {
		_, err := w.c.bw.WriteString("0\r\n\r\n")
		w.note(err)
	}
	if w.err == nil {
		w.note(w.c.bw.Flush())
	}
	if w.length >= 0 && w.written != w.length && !w.noBody {
		w.closeAfter = true // the answer is short of its Content-Length
	}
	if !w.closeAfter && !w.c.body.finished() && !w.c.body.discard() {
		w.closeAfter = true
	}
	return !w.closeAfter && w.err == nil
}
