//go:build unix

package testutil

import (
	"net"
	"os"
	"strconv"
	"syscall"
	"testing"
)

// RefusedPort is a loopback port where connections are refused, held for
// the test: a socket bound to it without listening (and without
// SO_REUSEADDR), so no other test's listener takes the port meanwhile. A
// listener opened and closed for its port could be reused by a parallel
// test's server, which then answers instead of refusing.
type RefusedPort struct {
	Addr string // 127.0.0.1:port
	fd   int
}

// Refused holds a refusing loopback port until the test ends.
func Refused(t testing.TB) *RefusedPort {
	t.Helper()
	fd, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_STREAM|syscall.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatalf("refused port: socket: %v", err)
	}
	p := &RefusedPort{fd: fd}
	t.Cleanup(func() {
		if p.fd >= 0 {
			_ = syscall.Close(p.fd)
		}
	})
	if err := syscall.Bind(fd, &syscall.SockaddrInet4{Addr: [4]byte{127, 0, 0, 1}}); err != nil {
		t.Fatalf("refused port: bind: %v", err)
	}
	sa, err := syscall.Getsockname(fd)
	if err != nil {
		t.Fatalf("refused port: getsockname: %v", err)
	}
	p.Addr = net.JoinHostPort("127.0.0.1", strconv.Itoa(sa.(*syscall.SockaddrInet4).Port))
	return p
}

// RefusedAddr is Refused(t).Addr.
func RefusedAddr(t testing.TB) string {
	t.Helper()
	return Refused(t).Addr
}

// Listen starts listening on the port (the same socket, so no other
// test can take the port in between) and returns the listener; the
// caller closes it.
func (p *RefusedPort) Listen(t testing.TB) net.Listener {
	t.Helper()
	if err := syscall.Listen(p.fd, syscall.SOMAXCONN); err != nil {
		t.Fatalf("refused port: listen: %v", err)
	}
	f := os.NewFile(uintptr(p.fd), p.Addr)
	p.fd = -1
	defer f.Close()
	ln, err := net.FileListener(f) // a duplicate of the descriptor
	if err != nil {
		t.Fatalf("refused port: %v", err)
	}
	return ln
}
