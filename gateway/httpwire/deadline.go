package httpwire

import (
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
	read, write time.Time  // the deadlines set on Conn
	// readStale, writeStale: the deadline set belongs to no reader or
	// writer now; the next Read or Write clears it.
	readStale, writeStale atomic.Bool
}

func (d *deadlineConn) Read(p []byte) (int, error) {
	if d.readStale.Load() {
		d.mu.Lock()
		if d.readStale.Load() {
			d.setReadLocked(time.Time{})
		}
		d.mu.Unlock()
	}
	return d.Conn.Read(p)
}

func (d *deadlineConn) Write(p []byte) (int, error) {
	if d.writeStale.Load() {
		d.mu.Lock()
		if d.writeStale.Load() {
			d.setWriteLocked(time.Time{})
		}
		d.mu.Unlock()
	}
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
	d.readStale.Store(false)
	d.writeStale.Store(false)
	if t.Equal(d.read) && t.Equal(d.write) {
		return nil
	}
	d.read, d.write = t, t
	return d.Conn.SetDeadline(t)
}

func (d *deadlineConn) SetReadDeadline(t time.Time) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.setReadLocked(t)
}

func (d *deadlineConn) setReadLocked(t time.Time) error {
	d.readStale.Store(false)
	if t.Equal(d.read) {
		return nil
	}
	d.read = t
	return d.Conn.SetReadDeadline(t)
}

func (d *deadlineConn) SetWriteDeadline(t time.Time) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.setWriteLocked(t)
}

func (d *deadlineConn) setWriteLocked(t time.Time) error {
	d.writeStale.Store(false)
	if t.Equal(d.write) {
		return nil
	}
	d.write = t
	return d.Conn.SetWriteDeadline(t)
}

// readWithin bounds the reads from now on to between d and d+Coarse(d)
// from now: the read deadline in place is kept when it falls there, else
// one at the far end is set, so the next requests within Coarse(d) keep
// it. d <= 0: no deadline.
func (d *deadlineConn) readWithin(timeout time.Duration) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if timeout <= 0 {
		_ = d.setReadLocked(time.Time{})
		return
	}
	now := time.Now()
	if at := d.read; !at.IsZero() && !at.Before(now.Add(timeout)) && !at.After(now.Add(timeout+Coarse(timeout))) {
		d.readStale.Store(false)
		return
	}
	_ = d.setReadLocked(now.Add(timeout + Coarse(timeout)))
}

// writeDeadline is the write deadline in place, maybe stale.
func (d *deadlineConn) writeDeadline() time.Time {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.write
}

// readDone and writeDone mark the deadline set as nobody's: it stays
// until a read (write) no deadline was set for clears it.
func (d *deadlineConn) readDone()  { d.readStale.Store(true) }
func (d *deadlineConn) writeDone() { d.writeStale.Store(true) }
