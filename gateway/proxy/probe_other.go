//go:build !unix

package proxy

import "net"

// closedByPeer cannot peek here: a close shows on use (see roundTrip).
func closedByPeer(net.Conn) bool { return false }
