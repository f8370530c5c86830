package proxy

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"net"
	"net/url"
	"sync"
	"sync/atomic"
	"time"
)

// connPool is the keep-alive connections made with one set of TLS
// settings (or none, for http producers), one hostPool per producer
// address. No goroutine watches an idle connection: when it is taken, its
// age is checked and it is peeked at for a close by the producer.
type connPool struct {
	opts    *TransportOptions
	dial    func(ctx context.Context, network, addr string) (net.Conn, error)
	tls     *tls.Config // nil: plain http
	noProbe bool

	mu      sync.Mutex // serialises adding a host
	hosts   atomic.Pointer[map[string]*hostPool]
	retired atomic.Bool
}

func newConnPool(opts *TransportOptions, dial func(ctx context.Context, network, addr string) (net.Conn, error), cfg *tls.Config, noProbe bool) *connPool {
	if cfg != nil {
		// Resumed sessions skip the certificate work on reconnects; the
		// cache belongs to this pool, so a reload (a new pool) starts
		// afresh with the new certificates.
		cfg.ClientSessionCache = tls.NewLRUClientSessionCache(0)
	}
	p := &connPool{opts: opts, dial: dial, tls: cfg, noProbe: noProbe}
	p.hosts.Store(&map[string]*hostPool{})
	return p
}

// host returns the pool for the producer at u (by u.Host), made on first use.
func (p *connPool) host(u *url.URL) *hostPool {
	if h := (*p.hosts.Load())[u.Host]; h != nil {
		return h
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	old := *p.hosts.Load()
	if h := old[u.Host]; h != nil {
		return h
	}
	h := &hostPool{pool: p, addr: dialAddr(u)}
	if p.tls != nil {
		h.tls = p.tls.Clone()
		h.tls.ServerName = u.Hostname()
	}
	next := make(map[string]*hostPool, len(old)+1)
	for k, v := range old {
		next[k] = v
	}
	next[u.Host] = h
	p.hosts.Store(&next)
	return h
}

// dialAddr is host:port of u, the scheme's port when u names none.
func dialAddr(u *url.URL) string {
	port := u.Port()
	if port == "" {
		port = "80"
		if u.Scheme == "https" {
			port = "443"
		}
	}
	return net.JoinHostPort(u.Hostname(), port)
}

// retire closes the idle connections; busy ones are closed when their
// call ends instead of going back to the pool.
func (p *connPool) retire() {
	p.retired.Store(true)
	p.closeIdle()
}

func (p *connPool) closeIdle() {
	for _, h := range *p.hosts.Load() {
		h.closeIdle()
	}
}

// hostPool is the connections to one producer address: idle ones (most
// recently used last), how many are open, and the calls waiting for one
// when MaxConnsPerHost is reached.
type hostPool struct {
	pool *connPool
	addr string
	tls  *tls.Config // the pool's, with ServerName; nil: plain http

	mu      sync.Mutex
	idle    []*pconn
	open    int             // idle and busy
	waiting []chan struct{} // FIFO, signalled when a connection closes or idles
}

// errPoolWait is the cause when a call waited its whole timeout for a
// connection slot (producers.max_conns_per_host).
var errPoolWait = errors.New("no connection to the producer free within the timeout")

// get returns an idle connection or a slot for a new one (nil; fresh:
// always a slot). With MaxConnsPerHost reached it waits for either, at
// most wait (<= 0: no bound) and until ctx ends. An idle connection the
// producer closed (peeker: a system call that peeks, one per call)
// is closed and the next one tried.
func (h *hostPool) get(ctx context.Context, wait time.Duration, fresh bool) (*pconn, error) {
	limit := h.pool.opts.MaxConnsPerHost
	var timer *time.Timer
	defer func() {
		if timer != nil {
			timer.Stop()
		}
	}()
	for {
		h.mu.Lock()
		if c := h.takeIdle(fresh); c != nil {
			h.mu.Unlock()
			if h.pool.noProbe || !c.probe.closedByPeer() {
				return c, nil
			}
			c.close()
			h.closed()
			continue
		}
		if limit <= 0 || h.open < limit {
			h.open++
			h.mu.Unlock()
			return nil, nil
		}
		ch := make(chan struct{}, 1)
		h.waiting = append(h.waiting, ch)
		h.mu.Unlock()
		if timer == nil && wait > 0 {
			timer = time.NewTimer(wait)
		}
		var expired <-chan time.Time
		if timer != nil {
			expired = timer.C
		}
		select {
		case <-ch:
			continue
		case <-ctx.Done():
			h.leave(ch)
			return nil, ctx.Err()
		case <-expired:
			h.leave(ch)
			return nil, &TimeoutError{Err: errPoolWait}
		}
	}
}

// leave takes a waiter out of the queue; a signal it got meanwhile passes
// to the next.
func (h *hostPool) leave(ch chan struct{}) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for i, w := range h.waiting {
		if w == ch {
			h.waiting = append(h.waiting[:i], h.waiting[i+1:]...)
			return
		}
	}
	select {
	case <-ch:
		h.signalLocked()
	default:
	}
}

func (h *hostPool) signalLocked() {
	if len(h.waiting) > 0 {
		ch := h.waiting[0]
		h.waiting = h.waiting[1:]
		ch <- struct{}{}
	}
}

// takeIdle is takeIdleLocked unless fresh.
func (h *hostPool) takeIdle(fresh bool) *pconn {
	if fresh {
		return nil
	}
	return h.takeIdleLocked()
}

// takeIdleLocked pops the most recently used idle connection; the
// others are older, so when it has outlived IdleConnTimeout all have.
func (h *hostPool) takeIdleLocked() *pconn {
	n := len(h.idle)
	if n == 0 {
		return nil
	}
	c := h.idle[n-1]
	h.idle[n-1] = nil
	h.idle = h.idle[:n-1]
	if time.Since(c.idleSince) > h.pool.opts.IdleConnTimeout {
		for _, old := range append(h.idle, c) {
			old.close()
			h.open--
			h.signalLocked() // a slot per connection closed
		}
		clear(h.idle[:cap(h.idle)])
		h.idle = h.idle[:0]
		return nil
	}
	return c
}

// put returns a connection whose call ended cleanly to the idle list,
// or closes it when the pool is retired or full.
func (h *hostPool) put(c *pconn) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.pool.retired.Load() || len(h.idle) >= h.pool.opts.MaxIdleConnsPerHost {
		c.close()
		h.open--
		h.signalLocked()
		return
	}
	c.idleSince = time.Now()
	c.reused = true
	// The oldest may have outlived IdleConnTimeout: closed here, as no
	// goroutine watches them.
	expired := 0
	for expired < len(h.idle) && c.idleSince.Sub(h.idle[expired].idleSince) > h.pool.opts.IdleConnTimeout {
		h.idle[expired].close()
		h.open--
		expired++
	}
	for range expired {
		h.signalLocked()
	}
	if expired > 0 {
		n := copy(h.idle, h.idle[expired:])
		clear(h.idle[n:])
		h.idle = h.idle[:n]
	}
	h.idle = append(h.idle, c)
	h.signalLocked()
}

// closed gives back the slot of a connection closed (or never made).
func (h *hostPool) closed() {
	h.mu.Lock()
	h.open--
	h.signalLocked()
	h.mu.Unlock()
}

func (h *hostPool) closeIdle() {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, c := range h.idle {
		c.close()
		h.open--
	}
	clear(h.idle)
	h.idle = h.idle[:0]
	for range h.waiting {
		h.signalLocked()
	}
}

// tlsHandshakeTimeoutError keeps net/http's wording for a handshake that
// took longer than TLSHandshakeTimeout.
type tlsHandshakeTimeoutError struct{}

func (tlsHandshakeTimeoutError) Timeout() bool   { return true }
func (tlsHandshakeTimeoutError) Temporary() bool { return true }
func (tlsHandshakeTimeoutError) Error() string   { return "net/http: TLS handshake timeout" }

// connect dials the producer and, for https, does the TLS handshake. A
// failed connect is a *DialError (nothing was sent).
func (h *hostPool) connect(ctx context.Context) (*pconn, error) {
	raw, err := h.pool.dial(ctx, "tcp", h.addr)
	if err != nil {
		return nil, &DialError{Addr: h.addr, Err: err}
	}
	c := &pconn{host: h, raw: raw, conn: raw}
	c.probe.init(raw)
	if h.tls != nil {
		tc := tls.Client(raw, h.tls)
		_ = raw.SetDeadline(time.Now().Add(h.pool.opts.TLSHandshakeTimeout))
		if err := tc.HandshakeContext(ctx); err != nil {
			_ = raw.Close()
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() && ctx.Err() == nil {
				return nil, tlsHandshakeTimeoutError{}
			}
			return nil, err
		}
		_ = raw.SetDeadline(time.Time{})
		cs := tc.ConnectionState()
		c.tlsVersion = cs.Version
		if len(cs.PeerCertificates) > 0 {
			c.peerCert = cs.PeerCertificates[0]
		}
		c.conn = tc
	}
	c.dog.conn = raw
	c.dog.timer = time.AfterFunc(time.Hour, c.dog.fire)
	c.dog.timer.Stop()
	c.cancelFn = c.dog.cancel
	return c, nil
}

// pconn is one producer connection. Its reads and writes mark progress
// for the watchdog.
type pconn struct {
	host       *hostPool
	raw        net.Conn // TCP: closing it ends any blocked read or write
	conn       net.Conn // raw, or TLS over it
	tlsVersion uint16
	peerCert   *x509.Certificate
	idleSince  time.Time
	reused     bool
	wrote      int64 // bytes written in the current call
	dog        watchdog
	probe      peeker
	cancelFn   func() // dog.cancel, made once: context.AfterFunc per call allocates no closure
}

func (c *pconn) Read(p []byte) (int, error) {
	n, err := c.conn.Read(p)
	if n > 0 {
		c.dog.progress()
	}
	return n, err
}

func (c *pconn) Write(p []byte) (int, error) {
	n, err := c.conn.Write(p)
	if n > 0 {
		c.wrote += int64(n)
		c.dog.progress()
	}
	return n, err
}

func (c *pconn) close() {
	_ = c.conn.Close()
	c.dog.stop()
}

// watchdog ends a call that makes no progress for its timeout, falls
// behind its minimum rate, or whose consumer went away, by closing the
// connection: one timer per connection, re-armed only when it fires
// early, and progress is a clock read. The timer is not stopped when a
// call ends: the next call keeps it when it is due no later than the
// call's own deadline (it then fires early and is re-armed), so calls
// on a busy connection cost no timer work, only one firing per timeout.
type watchdog struct {
	conn  net.Conn
	timer *time.Timer

	mu      sync.Mutex
	pending bool      // the timer is armed, or has fired and fire has not run yet
	due     time.Time // when it fires, if pending
	active  bool
	why     stopReason
	idle    time.Duration // <= 0: no timeout
	rate    MinRate       // Grace includes idle
	start   time.Time
	last    atomic.Int64 // progress, as time since start
	moved   atomic.Int64 // request and answer body bytes, for rate
}

type stopReason uint8

const (
	running  stopReason = iota
	stalled             // no progress for the timeout
	tooSlow             // behind the minimum rate
	canceled            // the consumer went away
)

func (w *watchdog) arm(start time.Time, idle time.Duration, rate MinRate) {
	w.mu.Lock()
	w.active, w.why, w.idle, w.rate, w.start = true, running, idle, rate, start
	w.last.Store(int64(time.Since(start)))
	w.moved.Store(0)
	if dl, _ := w.deadline(); dl > 0 {
		w.resetLocked(start.Add(dl))
	}
	w.mu.Unlock()
}

// resetLocked makes the timer fire by due: a pending one due no later is
// kept (fire re-arms it for the rest).
func (w *watchdog) resetLocked(due time.Time) {
	if w.pending && !w.due.After(due) {
		return
	}
	w.pending, w.due = true, due
	w.timer.Reset(time.Until(due))
}

// disarm ends the call's watch and reports why it was stopped (running:
// it was not). The timer stays for the next call; firing between calls
// it finds nothing to watch.
func (w *watchdog) disarm() stopReason {
	w.mu.Lock()
	w.active = false
	why := w.why
	w.mu.Unlock()
	return why
}

// stop stops the timer for good: the connection is closed.
func (w *watchdog) stop() {
	if w.timer == nil {
		return // closed before it was made (a failed handshake)
	}
	w.mu.Lock()
	w.active, w.pending = false, false
	w.timer.Stop()
	w.mu.Unlock()
}

func (w *watchdog) progress() { w.last.Store(int64(time.Since(w.start))) }

// count adds body bytes for the minimum rate.
func (w *watchdog) count(n int) { w.moved.Add(int64(n)) }

// deadline is when the call must have moved again, as time since start,
// and what it is for; 0 when neither a timeout nor a rate applies.
func (w *watchdog) deadline() (time.Duration, stopReason) {
	var dl time.Duration
	why := running
	if w.idle > 0 {
		dl, why = time.Duration(w.last.Load())+w.idle, stalled
	}
	if w.rate.On() {
		if r := w.rate.Deadline(w.start, w.moved.Load()).Sub(w.start); dl == 0 || r < dl {
			dl, why = r, tooSlow
		}
	}
	return dl, why
}

func (w *watchdog) fire() {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.pending && time.Now().Before(w.due) {
		// A firing from before a reset to a later time, or Reset raced
		// this call: the timer is armed for due already.
		return
	}
	w.pending = false
	if !w.active || w.why != running {
		return
	}
	dl, why := w.deadline()
	if dl == 0 {
		return
	}
	if now := time.Since(w.start); now < dl {
		w.resetLocked(w.start.Add(dl))
		return
	}
	w.why = why
	_ = w.conn.Close()
}

func (w *watchdog) cancel() {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.active && w.why == running {
		w.why = canceled
		_ = w.conn.Close()
	}
}
