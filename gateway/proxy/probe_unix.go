//go:build unix

package proxy

import (
	"net"
	"syscall"
)

// closedByPeer reports whether an idle connection has something to read:
// the producer's close (EOF, a reset, a TLS close_notify) or stray bytes.
// Either way it cannot carry a call. It peeks without blocking.
func closedByPeer(c net.Conn) bool {
	sc, ok := c.(syscall.Conn)
	if !ok {
		return false
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		return true
	}
	var buf [1]byte
	readable := false
	err = rc.Read(func(fd uintptr) bool {
		n, _, rerr := syscall.Recvfrom(int(fd), buf[:], syscall.MSG_PEEK|syscall.MSG_DONTWAIT)
		readable = n > 0 || rerr == nil || (rerr != syscall.EAGAIN && rerr != syscall.EWOULDBLOCK)
		return true
	})
	return err != nil || readable
}
