//go:build unix

package proxy

import (
	"net"
	"syscall"
)

// peeker looks at an idle connection's socket without blocking or
// consuming: the producer's close (EOF, a reset, a TLS close_notify) or
// stray bytes mean it cannot carry a call. Made once per connection, so a
// check costs a system call and no allocation.
type peeker struct {
	rc       syscall.RawConn // nil: cannot peek
	peekFn   func(fd uintptr) bool
	buf      [1]byte
	readable bool
}

func (p *peeker) init(c net.Conn) {
	if sc, ok := c.(syscall.Conn); ok {
		if rc, err := sc.SyscallConn(); err == nil {
			p.rc = rc
			p.peekFn = p.peek
		}
	}
}

func (p *peeker) peek(fd uintptr) bool {
	n, _, err := syscall.Recvfrom(int(fd), p.buf[:], syscall.MSG_PEEK|syscall.MSG_DONTWAIT)
	p.readable = n > 0 || err == nil || (err != syscall.EAGAIN && err != syscall.EWOULDBLOCK)
	return true
}

// closedByPeer reports whether the connection has something to read.
func (p *peeker) closedByPeer() bool {
	if p.rc == nil {
		return false
	}
	p.readable = false
	if err := p.rc.Read(p.peekFn); err != nil {
		return true
	}
	return p.readable
}
