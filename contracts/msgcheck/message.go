package msgcheck

import (
	"bytes"
	"crypto/x509"
	"errors"
	"fmt"
	"net/http"
	"sync"

	"github.com/beevik/etree"

	"github.com/rivgate/rivgate/contracts/envelope"
)

// MaxHead is the most of a message the envelope sniffer reads before the
// first Body element must have started: the platform's (and rivgate's
// gateway's) default, so a head the platform refuses is a finding here.
const MaxHead = envelope.DefaultMaxHead

// MaxDepth bounds the element nesting ParseDocument builds a tree for.
const MaxDepth = 256

// Message is one request as received: its HTTP header, body and client
// certificate, read lazily and at most once into what the rules need (the
// envelope head, then a document tree). Set the fields before the first
// method call; the parses are cached and safe to share between goroutines.
type Message struct {
	Header   http.Header
	Body     []byte
	PeerCert *x509.Certificate // nil without a client certificate
	// Unread, when set, says why Body is not the whole message (it was
	// larger than the reader takes): RIV-SOAP-01 fails with it and the
	// rules that need the body do not apply.
	Unread error

	sniffed sync.Once
	info    *envelope.Info
	infoErr error

	parsed sync.Once
	doc    *etree.Document
	docErr error
}

// Envelope is the message's envelope head as the sniffer reads it, bounded
// by MaxHead whatever the body's size (a 20 MB header is refused after
// 1 MiB, not scanned). It is nil with an error when Unread is set or the
// message is not a SOAP envelope the sniffer accepts.
func (m *Message) Envelope() (*envelope.Info, error) {
	if m.Unread != nil {
		return nil, m.Unread
	}
	return m.Head()
}

// Head is what the sniffer reads at the start of Body, even when Unread is
// set (the head of a truncated body can be whole): enough to name a message
// and its contract, never to judge it (Envelope is for that).
func (m *Message) Head() (*envelope.Info, error) {
	m.sniffed.Do(func() { m.info, m.infoErr = sniff(m.Body) })
	return m.info, m.infoErr
}

// Document is the whole message as a tree, nil with an error when Unread is
// set or the sniffer refused the message. Only what the sniffer accepts is
// parsed: it refuses DTDs, deep nesting and oversized heads within its
// bounds, so the parser never sees an entity to expand or fetch.
func (m *Message) Document() (*etree.Document, error) {
	m.parsed.Do(func() {
		switch _, err := m.Envelope(); {
		case m.Unread != nil:
			m.docErr = m.Unread
		case err != nil:
			m.docErr = errors.New("not parsed: " + err.Error())
		default:
			m.doc, m.docErr = ParseDocument(m.Body)
		}
	})
	return m.doc, m.docErr
}

// sniff reads a message's envelope head, bounded by MaxHead.
func sniff(body []byte) (*envelope.Info, error) {
	info, _, err := envelope.Sniff(bytes.NewReader(body), envelope.Options{MaxHead: MaxHead})
	return info, err
}

// ParseDocument reads a message into a tree, its nesting bounded by MaxDepth.
func ParseDocument(body []byte) (*etree.Document, error) {
	doc := etree.NewDocument()
	doc.ReadSettings.MaxDepth = MaxDepth
	if err := doc.ReadFromBytes(body); err != nil {
		if errors.Is(err, etree.ErrMaxDepth) {
			return nil, fmt.Errorf("elements nested deeper than %d: %w", MaxDepth, err)
		}
		return nil, fmt.Errorf("parse XML: %w", err)
	}
	if doc.Root() == nil {
		return nil, errors.New("parse XML: no root element")
	}
	return doc, nil
}

// EnvelopeChild returns the SOAP 1.1 Envelope's Header or Body, or nil.
func EnvelopeChild(doc *etree.Document, local string) *etree.Element {
	root := doc.Root()
	if root == nil || root.Tag != "Envelope" || root.NamespaceURI() != envelope.SOAP11NS {
		return nil
	}
	for _, c := range root.ChildElements() {
		if c.Tag == local && c.NamespaceURI() == envelope.SOAP11NS {
			return c
		}
	}
	return nil
}
