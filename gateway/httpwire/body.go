package httpwire

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"net/http"
	"net/http/httputil"
	"sync"
	"time"
)

// Body is a request's body: Content-Length or chunked framing over the
// connection's read buffer. It may be read from another goroutine than
// the handler's (the producer client streams it); mu orders those reads
// with the connection taking the body back when the handler is done.
type Body struct {
	c       *conn
	mu      sync.Mutex
	left    int64     // Content-Length bytes not yet read
	chunked io.Reader // the chunked decoder; nil for Content-Length
	eof     bool
	err     error
	closed  bool // the request is over: no more reads
	// cont: 100 Continue is owed before the first read.
	cont bool
}

// errTrailer is a chunked body whose trailer section never ends within
// the read buffer.
var errTrailer = errors.New("http: suspiciously long trailer after chunked body")

func (b *Body) reset(c *conn, r *Request) {
	b.c, b.left, b.chunked, b.eof, b.err, b.closed, b.cont = c, 0, nil, false, nil, false, r.expect
	switch {
	case r.ContentLength < 0:
		b.chunked = httputil.NewChunkedReader(c.br)
	case r.ContentLength == 0:
		b.eof = true
	default:
		b.left = r.ContentLength
	}
}

// Read reads the body; on its first call after Expect: 100-continue it
// sends 100 Continue, unless the answer has started (as net/http).
func (b *Body) Read(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.readLocked(p)
}

func (b *Body) readLocked(p []byte) (int, error) {
	switch {
	case b.closed:
		return 0, http.ErrBodyReadAfterClose
	case b.err != nil:
		return 0, b.err
	case b.eof:
		return 0, io.EOF
	}
	if b.cont {
		b.cont = false
		if err := b.c.sendContinue(); err != nil {
			b.err = err
			return 0, err
		}
	}
	if b.chunked != nil {
		n, err := b.chunked.Read(p)
		if err == io.EOF {
			if terr := readTrailer(b.c.br); terr != nil {
				err = terr
			} else {
				b.eof = true
			}
		}
		if err != nil && err != io.EOF {
			b.err = err
		}
		return n, err
	}
	if int64(len(p)) > b.left {
		p = p[:b.left]
	}
	n, err := b.c.br.Read(p)
	b.left -= int64(n)
	switch {
	case b.left == 0:
		b.eof = true
		return n, io.EOF
	case err == io.EOF:
		err = io.ErrUnexpectedEOF
	}
	if err != nil {
		b.err = err
	}
	return n, err
}

// readTrailer reads what follows a chunked body's last chunk: its
// trailer fields (dropped) and the empty line, within the read buffer.
func readTrailer(br *bufio.Reader) error {
	if p, _ := br.Peek(2); string(p) == "\r\n" {
		_, _ = br.Discard(2)
		return nil
	}
	for range br.Size() {
		line, err := br.ReadSlice('\n')
		if err == bufio.ErrBufferFull {
			return errTrailer
		}
		if err != nil {
			if err == io.EOF {
				return io.ErrUnexpectedEOF
			}
			return err
		}
		if len(bytes.TrimRight(line, "\r\n")) == 0 {
			return nil
		}
	}
	return errTrailer
}

// maxDiscard is how much of a body the handler left unread the server
// reads and drops to keep the connection (net/http's 256 KiB).
const maxDiscard = 256 << 10

// discard reads and drops up to maxDiscard of what is left of the body,
// reporting whether it reached the body's end. A body whose 100 Continue
// was never sent is not read: the client has not sent it.
func (b *Body) discard() bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.eof {
		return true
	}
	if b.cont || b.closed || b.err != nil {
		return false
	}
	var buf [4 << 10]byte
	for n := 0; n <= maxDiscard; {
		m, err := b.readLocked(buf[:])
		n += m
		if err == io.EOF {
			return true
		}
		if err != nil {
			return false
		}
	}
	return false
}

// finished reports whether the body was read to its end.
func (b *Body) finished() bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.eof
}

// close ends the body's use: a reader on another goroutine still holding
// it gets ErrBodyReadAfterClose, and the connection's buffer is the
// connection's again. It waits for a read in progress.
func (b *Body) close() {
	b.mu.Lock()
	b.closed = true
	b.cont = false
	b.mu.Unlock()
}

// Buffered reports whether the next Read is served from the read buffer
// (or ends the body) without reading the connection: a deadline set for
// it would never apply. Only Content-Length bodies say so.
func (b *Body) Buffered() bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	switch {
	case b.closed || b.err != nil || b.cont:
		return false
	case b.eof:
		return true
	}
	return b.chunked == nil && b.c.br.Buffered() > 0
}

// SetReadDeadline sets the connection's read deadline, for reads of the
// body (the gateway's listen.body_timeout and limits.min_rate).
func (b *Body) SetReadDeadline(t time.Time) error { return b.c.rwc.SetReadDeadline(t) }
