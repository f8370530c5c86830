// Package ids makes the random identifiers rivgate sends: version 4 UUIDs,
// the form the national platform gives x-skltp-correlation-id. The
// gateway makes one per call, so NewUUID allocates only its result, and
// UUIDs allocates once per batch of them.
package ids

import (
	"crypto/rand"
	"encoding/hex"
	"strings"
	"sync"
)

// NewUUID returns a random (version 4, RFC 9562) UUID in its lower-case
// 36-character form, e.g. "3f2c8a9e-1b4d-4c6e-9f0a-2b3c4d5e6f70".
func NewUUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails (Go 1.24+)
	var out [36]byte
	encode(&out, &b)
	return string(out[:])
}

// encode writes the UUID form of the random bytes b, version and variant
// set, into out.
func encode(out *[36]byte, b *[16]byte) {
	b[6] = b[6]&0x0f | 0x40 // version 4
	b[8] = b[8]&0x3f | 0x80 // RFC 9562 variant
	hex.Encode(out[0:8], b[0:4])
	out[8] = '-'
	hex.Encode(out[9:13], b[4:6])
	out[13] = '-'
	hex.Encode(out[14:18], b[6:8])
	out[18] = '-'
	hex.Encode(out[19:23], b[8:10])
	out[23] = '-'
	hex.Encode(out[24:], b[10:])
}

// batchSize is how many ids UUIDs makes at a time.
const batchSize = 64

// UUIDs hands out NewUUID's ids made a batch at a time: one allocation
// and one read of random bytes per 64 ids. Each id is a piece of its
// batch's string, which stays in memory while any of its ids does (2.3 KB
// for 64 ids, about what they would take one by one). Safe for
// concurrent use; the zero value is ready.
type UUIDs struct {
	mu    sync.Mutex
	batch string
	next  int // where the next id starts in batch
}

// New returns the next id.
func (u *UUIDs) New() string {
	u.mu.Lock()
	defer u.mu.Unlock()
	if u.next == len(u.batch) {
		u.batch, u.next = newBatch(), 0
	}
	id := u.batch[u.next : u.next+36]
	u.next += 36
	return id
}

func newBatch() string {
	var rnd [batchSize * 16]byte
	_, _ = rand.Read(rnd[:]) // one read for the batch
	var sb strings.Builder
	sb.Grow(batchSize * 36)
	var out [36]byte
	for i := range batchSize {
		encode(&out, (*[16]byte)(rnd[16*i:]))
		sb.Write(out[:])
	}
	return sb.String()
}
