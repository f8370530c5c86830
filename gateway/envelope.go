package gateway

import (
	"io"

	"github.com/rivgate/rivgate/contracts/envelope"
	"github.com/rivgate/rivgate/contracts/rivta"
)

// sniffer adapts contracts/envelope to Envelope.
type sniffer struct{}

// Sniff implements Envelope.
func (sniffer) Sniff(r io.Reader, maxHead int64, mimeBoundary string) (*Head, []byte, error) {
	info, head, err := envelope.Sniff(r, envelope.Options{MaxHead: maxHead, MIMEBoundary: mimeBoundary})
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
