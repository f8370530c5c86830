// Package httpwire is the HTTP/1.1 server of the gateway's service
// listeners: one goroutine per connection, a connection loop over
// crypto/tls (or plain TCP), a request-head parser for the subset SOAP
// calls use, and an answer writer through a pooled buffer. It replaces
// net/http's Server on the call path because net/http's per-request
// machinery (a context, header maps, a background read handed between
// goroutines after each body, a response buffer) cost more CPU than the
// gateway's own work (issue 24); the admin listener stays on net/http.
//
// Its answers to broken requests (400, 431, 501, 505, 417), its keep-alive
// rules (HTTP/1.0 keep-alive, Connection: close), 100-continue and the
// discard of an unread body follow net/http's, so clients see no change.
//
// Per request the steady state allocates only the string that holds the
// request head (the header values the handler keeps refer to it); the
// header map, its value slices, the buffers and the answer writer are the
// connection's and reused.
package httpwire

import (
	"bufio"
	"context"
	"crypto/tls"
	"errors"
	"log"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"
)

// Handler serves one request: it reads r.Body and answers through w. r,
// its Header and w belong to the connection and are reused for its next
// request once Handler returns; strings taken from them stay valid.
type Handler func(w *ResponseWriter, r *Request)

// Options configure a Server.
type Options struct {
	Handler Handler
	// TLS, when set, makes every connection a TLS server connection with
	// this configuration (its GetConfigForClient may change per handshake).
	TLS *tls.Config
	// ReadHeaderTimeout bounds the TLS handshake and the reading of each
	// request head; <= 0: none.
	ReadHeaderTimeout time.Duration
	// IdleTimeout closes a keep-alive connection with no request this
	// long; <= 0: ReadHeaderTimeout.
	IdleTimeout time.Duration
	// MaxHeaderBytes bounds the request line and headers (net/http's
	// rule: 4096 bytes of slack are added); <= 0: 1 MiB.
	MaxHeaderBytes int
	// BaseContext is the parent of each connection's context; nil:
	// context.Background().
	BaseContext context.Context
	// ErrorLog receives TLS handshake failures and recovered panics, in
	// net/http's words; nil discards them.
	ErrorLog *log.Logger
}

// Server serves HTTP/1.1 on the listeners given to Serve.
type Server struct {
	opts Options

	mu        sync.Mutex
	listeners map[net.Listener]struct{}
	conns     map[*conn]struct{}
	done      chan struct{} // closed when the last connection of a shut down server ends
	shutdown  atomic.Bool
}

// ErrServerClosed is Serve's answer after Shutdown or Close.
var ErrServerClosed = http.ErrServerClosed

// NewServer makes a server; nothing listens until Serve.
func NewServer(opts Options) *Server {
	if opts.MaxHeaderBytes <= 0 {
		opts.MaxHeaderBytes = http.DefaultMaxHeaderBytes
	}
	if opts.IdleTimeout <= 0 {
		opts.IdleTimeout = opts.ReadHeaderTimeout
	}
	if opts.BaseContext == nil {
		opts.BaseContext = context.Background()
	}
	return &Server{opts: opts, listeners: map[net.Listener]struct{}{}, conns: map[*conn]struct{}{}}
}

// Serve accepts connections on ln until Shutdown or Close, each served on
// a goroutine of its own. It always returns an error; ErrServerClosed
// after Shutdown or Close.
func (s *Server) Serve(ln net.Listener) error {
	s.mu.Lock()
	if s.shutdown.Load() {
		s.mu.Unlock()
		return ErrServerClosed
	}
	s.listeners[ln] = struct{}{}
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		delete(s.listeners, ln)
		s.mu.Unlock()
	}()
	var delay time.Duration
	for {
		rw, err := ln.Accept()
		if err != nil {
			if s.shutdown.Load() {
				return ErrServerClosed
			}
			if errors.Is(err, net.ErrClosed) {
				return err
			}
			// EMFILE and the like: back off and retry, as net/http does.
			delay = min(max(2*delay, 5*time.Millisecond), time.Second)
			s.logf("http: Accept error: %v; retrying in %v", err, delay)
			time.Sleep(delay)
			continue
		}
		delay = 0
		c := s.newConn(rw)
		if c == nil {
			_ = rw.Close()
			return ErrServerClosed
		}
		go c.serve()
	}
}

func (s *Server) newConn(rw net.Conn) *conn {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.shutdown.Load() {
		return nil
	}
	c := &conn{srv: s, raw: rw, accepted: time.Now()}
	s.conns[c] = struct{}{}
	return c
}

func (s *Server) forget(c *conn) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.conns, c)
	if len(s.conns) == 0 && s.done != nil {
		close(s.done)
		s.done = nil
	}
}

// Shutdown stops accepting, closes idle connections (and each busy one
// once its call is answered) and waits until every connection has ended
// or ctx is done; then it closes what is left.
func (s *Server) Shutdown(ctx context.Context) error {
	s.mu.Lock()
	s.shutdown.Store(true)
	for ln := range s.listeners {
		_ = ln.Close()
	}
	var done chan struct{}
	if len(s.conns) > 0 {
		if s.done == nil {
			s.done = make(chan struct{})
		}
		done = s.done
	}
	s.mu.Unlock()
	if done == nil {
		return nil
	}
	// A connection between calls is waiting for a request head: closed
	// now. A busy one sees the flag when its answer is out. A connection
	// that turned busy after the check is found on the next tick.
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	for {
		s.closeIdle()
		select {
		case <-done:
			return nil
		case <-ctx.Done():
			_ = s.Close()
			return ctx.Err()
		case <-tick.C:
		}
	}
}

// newConnGrace is how long Shutdown lets a new connection send its first
// request (net/http's 5 s for StateNew).
const newConnGrace = 5 * time.Second

func (s *Server) closeIdle() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for c := range s.conns {
		if c.idle.Load() || !c.used.Load() && time.Since(c.accepted) > newConnGrace {
			_ = c.raw.Close()
		}
	}
}

// Close stops accepting and closes every connection at once.
func (s *Server) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.shutdown.Store(true)
	for ln := range s.listeners {
		_ = ln.Close()
	}
	for c := range s.conns {
		_ = c.raw.Close()
	}
	return nil
}

func (s *Server) logf(format string, args ...any) {
	if s.opts.ErrorLog != nil {
		s.opts.ErrorLog.Printf(format, args...)
	}
}

// bufs are a connection's buffers, pooled between connections.
type bufs struct {
	br *bufio.Reader
	bw *bufio.Writer
}

// readBufSize is the read buffer: a typical SOAP request head fits, and
// tls.Conn keeps the rest of a record itself. The write buffer holds an
// answer's head and a small body, sent in one write.
const (
	readBufSize  = 4 << 10
	writeBufSize = 16 << 10
)

var bufPool = sync.Pool{New: func() any {
	return &bufs{br: bufio.NewReaderSize(nil, readBufSize), bw: bufio.NewWriterSize(nil, writeBufSize)}
}}
