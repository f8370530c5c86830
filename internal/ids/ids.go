// Package ids makes the random identifiers rivgate sends: version 4 UUIDs,
// the form the national platform gives x-skltp-correlation-id. The
// gateway makes one per call, so NewUUID allocates only its result.
package ids

import (
	"crypto/rand"
	"encoding/hex"
)

// NewUUID returns a random (version 4, RFC 9562) UUID in its lower-case
// 36-character form, e.g. "3f2c8a9e-1b4d-4c6e-9f0a-2b3c4d5e6f70".
func NewUUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])  // crypto/rand.Read never fails (Go 1.24+)
	b[6] = b[6]&0x0f | 0x40 // version 4
	b[8] = b[8]&0x3f | 0x80 // RFC 9562 variant
	var out [36]byte
	hex.Encode(out[0:8], b[0:4])
	out[8] = '-'
	hex.Encode(out[9:13], b[4:6])
	out[13] = '-'
	hex.Encode(out[14:18], b[6:8])
	out[18] = '-'
	hex.Encode(out[19:23], b[8:10])
	out[23] = '-'
	hex.Encode(out[24:], b[10:])
	return string(out[:])
}
