package httpwire

import (
	"errors"
	"net"
	"sync"
	"sync/atomic"
	"time"
)

// Every deadline change on a connection is a runtime timer added,
// moved or deleted, and a keep-alive call used to make four (the idle
// wait's, its clearing after the head, the answer's write deadline and
// its clearing after the answer). deadlineConn keeps them down: it
// remembers the deadlines it set and skips setting one again; the
// server keeps an idle or header deadline in place when it still fits
// (Coarse), and instead of clearing a deadline when its reader or writer
// is done it marks it stale: the next read (or write) that nobody set a
// deadline for clears it first, so nothing is cut by a deadline left
// from an earlier request, and nothing pays for clearing one no read or
// write would meet.

// Coarse is how much later than asked a deadline may be so that one set
// for an earlier request or write can stay: 1/16 of the timeout. A limit
// of d then ends a wait after between d and d+d/16, never sooner.
func Coarse(d time.Duration) time.Duration { return d / 16 }

// deadlineConn is the connection as accepted, under TLS if any.
type deadlineConn struct {
	net.Conn

	mu          sync.Mutex // orders deadline changes (a body may be read on another goroutine)
	read, write deadline
}

// deadline is one direction's: the one set on the connection, and
// whether it is stale (it belongs to no reader or writer now; the next
// Read or Write clears it).
type deadline struct {
	at    time.Time
	stale atomic.Bool
	set   func(time.Time) error // the connection's SetReadDeadline or SetWriteDeadline
}

func newDeadlineConn(c net.Conn) *deadlineConn {
	d := &deadlineConn{Conn: c}
	d.read.set, d.write.set = c.SetReadDeadline, c.SetWriteDeadline
	return d
}

// setLocked sets t unless it is set already; either way it is the
// caller's now, not stale.
func (dl *deadline) setLocked(t time.Time) error {
	dl.stale.Store(false)
	if t.Equal(dl.at) {
		return nil
	}
	dl.at = t
	return dl.set(t)
}

func (d *deadlineConn) setDeadline(dl *deadline, t time.Time) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	return dl.setLocked(t)
}

// unstale clears dl if it is stale, before a read or write.
func (d *deadlineConn) unstale(dl *deadline) {
	if dl.stale.Load() {
		d.mu.Lock()
		if dl.stale.Load() {
			_ = dl.setLocked(time.Time{})
		}
		d.mu.Unlock()
	}
}

func (d *deadlineConn) Read(p []byte) (int, error) {
	d.unstale(&d.read)
	return d.Conn.Read(p)
}

func (d *deadlineConn) Write(p []byte) (int, error) {
	d.unstale(&d.write)
	return d.Conn.Write(p)
}

// CloseWrite closes the write side when the connection has one (TCP).
func (d *deadlineConn) CloseWrite() error {
	if cw, ok := d.Conn.(interface{ CloseWrite() error }); ok {
		return cw.CloseWrite()
	}
	return nil
}

func (d *deadlineConn) SetDeadline(t time.Time) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	return errors.Join(d.read.setLocked(t), d.write.setLocked(t))
}

func (d *deadlineConn) SetReadDeadline(t time.Time) error  { return d.setDeadline(&d.read, t) }
func (d *deadlineConn) SetWriteDeadline(t time.Time) error { return d.setDeadline(&d.write, t) }

// readWithin bounds the reads from now on to between timeout and
// timeout+Coarse(timeout) from now: the read deadline in place is kept
// when it falls there, else one at the far end is set, so the next
// requests within Coarse(timeout) keep it. timeout <= 0: no deadline.
func (d *deadlineConn) readWithin(timeout time.Duration) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if timeout <= 0 {
		_ = d.read.setLocked(time.Time{})
		return
	}
	now := time.Now()
	at := now.Add(timeout + Coarse(timeout))
	if kept := d.read.at; !kept.IsZero() && !kept.Before(now.Add(timeout)) && !kept.After(at) {
		at = kept
	}
	_ = d.read.setLocked(at)
}

// writeDeadline is the write deadline in place, maybe stale.
func (d *deadlineConn) writeDeadline() time.Time {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.write.at
}

// readDone and writeDone mark the deadline set as nobody's: it stays
// until a read (write) no deadline was set for clears it.
func (d *deadlineConn) readDone()  { d.read.stale.Store(true) }
func (d *deadlineConn) writeDone() { d.write.stale.Store(true) }
