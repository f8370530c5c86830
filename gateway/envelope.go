package gateway

import (
	"io"
	"sync"

	"github.com/rivgate/rivgate/contracts/envelope"
	"github.com/rivgate/rivgate/contracts/rivta"
)

// sniffer adapts contracts/envelope to Envelope. It keeps the sniffers'
// working memory (about 5 KB each) in a pool: a fresh one per call was a
// third of the bytes the gateway allocated per call. The zero value works
// (without the pool).
type sniffer struct {
	pool *sync.Pool // of *envelope.Sniffer
}

func newSniffer() sniffer {
	return sniffer{pool: &sync.Pool{New: func() any { return new(envelope.Sniffer) }}}
}

// Sniff implements Envelope.
func (s sniffer) Sniff(r io.Reader, maxHead int64, mimeBoundary string) (*Head, []byte, error) {
	opt := envelope.Options{MaxHead: maxHead, MIMEBoundary: mimeBoundary}
	var info *envelope.Info
	var head []byte
	var err error
	if s.pool == nil {
		info, head, err = envelope.Sniff(r, opt)
	} else {
		z := s.pool.Get().(*envelope.Sniffer)
		// Results never refer to the Sniffer's memory: it goes back at once.
		info, head, err = z.Sniff(r, opt)
		s.pool.Put(z)
	}
	if err != nil {
		return nil, head, err
	}
	return &Head{
		SOAP12: info.Version == envelope.SOAP12, Receiver: info.Receiver, HasReceiver: info.HasReceiver,
		Profile: info.Profile, Contract: info.Body.Space, BodyLocal: info.Body.Local, Charset: info.Charset, native: info,
	}, head, nil
}

// Rewrite implements Envelope.
func (sniffer) Rewrite(head []byte, h *Head, to rivta.Profile) ([]byte, error) {
	return envelope.RewriteProfile(head, h.native.(*envelope.Info), to)
}

// Native returns the sniffer's own result for h (platform services need it).
func (h *Head) Native() *envelope.Info {
	info, _ := h.native.(*envelope.Info)
	return info
}
