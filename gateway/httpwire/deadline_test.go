package httpwire

import (
	"fmt"
	"io"
	"net"
	"os"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// countingConn counts the deadline changes that reach the connection:
// each is a runtime timer change.
type countingConn struct {
	net.Conn
	changes *atomic.Int64
}

func (c countingConn) SetDeadline(t time.Time) error {
	c.changes.Add(1)
	return c.Conn.SetDeadline(t)
}

func (c countingConn) SetReadDeadline(t time.Time) error {
	c.changes.Add(1)
	return c.Conn.SetReadDeadline(t)
}

func (c countingConn) SetWriteDeadline(t time.Time) error {
	c.changes.Add(1)
	return c.Conn.SetWriteDeadline(t)
}

type countingListener struct {
	net.Listener
	changes atomic.Int64
}

func (l *countingListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return countingConn{Conn: c, changes: &l.changes}, nil
}

// tcpPair is a loopback connection's two ends: ours wrapped in a
// deadlineConn over a counter, and the peer's.
func tcpPair(t *testing.T) (*deadlineConn, *atomic.Int64, net.Conn) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer ln.Close()
	peer, err := net.Dial("tcp", ln.Addr().String())
	require.NoError(t, err)
	t.Cleanup(func() { _ = peer.Close() })
	c, err := ln.Accept()
	require.NoError(t, err)
	t.Cleanup(func() { _ = c.Close() })
	var n atomic.Int64
	return newDeadlineConn(countingConn{Conn: c, changes: &n}), &n, peer
}

// A deadline marked done bounds no later read or write: the first one
// clears it (here one already passed, which would fail it at once).
func TestStaleDeadlineBoundsNoLaterIO(t *testing.T) {
	t.Parallel()
	past := time.Now().Add(-time.Second)
	for _, tc := range []struct {
		name string
		set  func(d *deadlineConn)
		done func(d *deadlineConn)
		io   func(d *deadlineConn, peer net.Conn) error
	}{
		{
			name: "read",
			set:  func(d *deadlineConn) { _ = d.SetReadDeadline(past) },
			done: (*deadlineConn).readDone,
			io: func(d *deadlineConn, peer net.Conn) error {
				_, _ = peer.Write([]byte("x"))
				_, err := io.ReadFull(d, make([]byte, 1))
				return err
			},
		},
		{
			name: "write",
			set:  func(d *deadlineConn) { _ = d.SetWriteDeadline(past) },
			done: (*deadlineConn).writeDone,
			io: func(d *deadlineConn, _ net.Conn) error {
				_, err := d.Write([]byte("x"))
				return err
			},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			d, changes, peer := tcpPair(t)
			tc.set(d)
			require.ErrorIs(t, tc.io(d, peer), os.ErrDeadlineExceeded, "the deadline is in force until marked done")
			tc.done(d)
			require.NoError(t, tc.io(d, peer), "a read or write nobody set a deadline for is not bounded by a stale one")
			assert.Equal(t, int64(2), changes.Load(), "set, then cleared once")
			require.NoError(t, tc.io(d, peer))
			assert.Equal(t, int64(2), changes.Load(), "cleared once only")
		})
	}
}

func TestReadWithinKeepsAFittingDeadline(t *testing.T) {
	t.Parallel()
	d, changes, _ := tcpPair(t)
	const timeout = time.Minute
	before := time.Now()
	d.readWithin(timeout)
	after := time.Now()
	require.Equal(t, int64(1), changes.Load())
	assert.False(t, d.read.at.Before(before.Add(timeout)), "never sooner than the timeout")
	assert.False(t, d.read.at.After(after.Add(timeout+Coarse(timeout))), "at most Coarse(timeout) later")

	d.readDone()
	d.readWithin(timeout)
	assert.Equal(t, int64(1), changes.Load(), "a fitting deadline is kept")
	assert.False(t, d.read.stale.Load(), "and is the reader's again")

	_ = d.SetReadDeadline(time.Now().Add(time.Hour))
	d.readWithin(timeout)
	assert.Equal(t, int64(3), changes.Load(), "one too late is replaced")
	_ = d.SetReadDeadline(time.Now().Add(time.Second))
	d.readWithin(timeout)
	assert.Equal(t, int64(5), changes.Load(), "one too soon is replaced")

	d.readWithin(0)
	assert.Equal(t, int64(6), changes.Load())
	assert.True(t, d.read.at.IsZero(), "no timeout: no deadline")
}

// Keep-alive calls on one connection change the deadlines a few times
// in all, not twice per call (an idle deadline set and cleared) as they
// did.
func TestKeepAliveCallsChangeFewDeadlines(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	cl := &countingListener{Listener: ln}
	handler := func(w *ResponseWriter, r *Request) {
		// As the gateway's answers: a write deadline kept when it fits.
		now := time.Now()
		dl := w.WriteDeadline()
		if dl.Before(now.Add(time.Minute)) || dl.After(now.Add(time.Minute+Coarse(time.Minute))) {
			dl = now.Add(time.Minute + Coarse(time.Minute))
		}
		_ = w.SetWriteDeadline(dl)
		echo(w, r)
	}
	s := NewServer(Options{Handler: handler, ReadHeaderTimeout: time.Minute, IdleTimeout: time.Minute})
	done := make(chan struct{})
	go func() { defer close(done); _ = s.Serve(cl) }()
	t.Cleanup(func() { _ = s.Close(); <-done })

	c, br := dial(t, ln.Addr().String())
	const calls = 40
	for i := range calls {
		_, err := fmt.Fprintf(c, "POST /%d HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc", i)
		require.NoError(t, err)
		resp, body := readResponse(t, br)
		require.Equal(t, 200, resp.StatusCode)
		require.Equal(t, "3", body)
	}
	n := cl.changes.Load()
	assert.LessOrEqual(t, n, int64(calls/4), "deadline changes for %d calls", calls)
	t.Logf("%d deadline changes for %d calls", n, calls)
	assert.NotZero(t, n, "the waits are bounded")
}
