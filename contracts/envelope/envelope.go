// Package envelope sniffs SOAP envelopes as they stream in and rewrites the
// RIV-TA receiver header between profile 2.0 (wsa:To) and 2.1
// (LogicalAddress).
//
// Sniff reads only up to the end of the start tag of the first element in
// soap:Body: that is all the gateway needs to route (the contract is that
// element's namespace, the receiver is a header). Everything it read is
// returned as head, and the caller forwards head followed by the rest of the
// reader, so the body streams and is never parsed or re-serialised.
//
// A server sniffing every request keeps Sniffers in a sync.Pool: then a
// sniff allocates only the head, the Info and one string.
//
// The scanner is hand-written rather than built on encoding/xml: it checks
// well-formedness of everything it reads (names, attributes, entity and
// character references, comments, PIs, CDATA, tag nesting, namespace
// prefixes), refuses DTDs outright, and allocates a handful of objects per
// call because it is on every request's path.
package envelope

import (
	"errors"
	"fmt"

	"github.com/rivgate/rivgate/contracts/rivta"
)

// SOAP envelope namespaces.
const (
	SOAP11NS = "http://schemas.xmlsoap.org/soap/envelope/"
	SOAP12NS = "http://www.w3.org/2003/05/soap-envelope"
)

// DefaultMaxHead is the head limit when Options.MaxHead is zero or less.
const DefaultMaxHead = 1 << 20

// readChunk is the most Sniff asks of its reader in one Read. It bounds how
// far past the first Body child's start tag Sniff can have read: the caller
// gets those bytes back in head.
const readChunk = 4096

// SOAPVersion is the SOAP version of an envelope.
type SOAPVersion int

// SOAP versions, told apart by the Envelope's namespace.
const (
	SOAP11 SOAPVersion = 1 + iota // http://schemas.xmlsoap.org/soap/envelope/
	SOAP12                        // http://www.w3.org/2003/05/soap-envelope
)

func (v SOAPVersion) String() string {
	switch v {
	case SOAP11:
		return "SOAP 1.1"
	case SOAP12:
		return "SOAP 1.2"
	}
	return fmt.Sprintf("SOAPVersion(%d)", int(v))
}

// Namespace is the envelope namespace of v.
func (v SOAPVersion) Namespace() string {
	if v == SOAP12 {
		return SOAP12NS
	}
	return SOAP11NS
}

// QName is an expanded XML name: namespace URI and local name.
type QName struct {
	Space, Local string
}

func (q QName) String() string {
	if q.Space == "" {
		return q.Local
	}
	return "{" + q.Space + "}" + q.Local
}

// HeaderElement is one child element of soap:Header.
type HeaderElement struct {
	Name QName
	// Text is all character data inside the element, descendants included,
	// with entities resolved and line ends normalised as XML requires, but
	// not trimmed: surrounding whitespace in a receiver is a fault of its
	// own (VP004 with a whitespace hint) and must stay visible.
	Text string
}

// Options tune Sniff.
type Options struct {
	// MaxHead is the most bytes Sniff reads before it must have seen the
	// end of the first Body child's start tag; beyond it Sniff fails with
	// ErrHeadTooLarge. Default DefaultMaxHead (1 MiB).
	MaxHead int64
	// MIME marks a multipart (MTOM/XOP) message: Sniff skips the MIME
	// preamble and the root part's MIME headers and sniffs the envelope in
	// that part. Offsets stay offsets into the whole stream, so the caller
	// still forwards the multipart message unchanged, attachments included.
	// The root part starts at the first line that begins with "--" (the
	// first delimiter) whatever boundary the Content-Type declares: VP cuts
	// the envelope out without looking at the boundary, and its own MTOM
	// test sends one that does not match the body.
	MIME bool
	// MIMEBoundary is the boundary the Content-Type declares, named in the
	// error when the body has no delimiter line at all; set alone, it also
	// turns MIME on.
	MIMEBoundary string
}

// Info is what Sniff learns from the head of a SOAP message.
type Info struct {
	Version SOAPVersion
	// Headers are the children of soap:Header in document order; empty when
	// there is no Header.
	Headers []HeaderElement
	// Receiver is the text of the last header element named To or
	// LogicalAddress (any namespace, any depth inside Header: VP matches on
	// local name only and the last one wins). Not trimmed. Empty, with
	// HasReceiver false, when that text is empty or only whitespace, which
	// VP treats as no receiver (VP003).
	Receiver    string
	HasReceiver bool
	// Profile is the RIV-TA profile implied by that last receiver element:
	// To -> RIVTABP20, LogicalAddress -> RIVTABP21; "" when there is none.
	Profile rivta.Profile
	// Body is the name of the first child element of soap:Body; its
	// namespace is the service contract the gateway routes on.
	Body QName
	// BodyStart is the offset of that element's '<' in the original bytes
	// (in head, which starts at the first byte of the stream).
	BodyStart int64
	// Charset is how the bytes were actually read: "UTF-8", "UTF-16LE",
	// "UTF-16BE", "ISO-8859-1", "ISO-8859-15" or "windows-1252".
	Charset string
	// DeclaredCharset is the encoding named in the XML declaration, as
	// written ("" when there is none). It differs from Charset for the
	// UTF-16-declared, UTF-8-encoded messages VP accepts by retrying as
	// UTF-8.
	DeclaredCharset string

	// recv are the start/end offsets of every receiver element in Header,
	// in raw bytes, for RewriteProfile.
	recv []span
}

// span locates one receiver element in the raw bytes.
type span struct {
	local            string // To or LogicalAddress
	start, nameEnd   int    // '<' and the end of the tag name
	defStart, defEnd int    // an xmlns="..." attribute with its leading space; defStart<0 when absent
	tagEnd           int    // just past the start tag's '>'
	selfClosing      bool   // <x/>: no content, no end tag
	endStart, endEnd int    // the end tag
	text             rng    // its text in the scanner's arena, while scanning
}

// Errors Sniff returns, always inside a *SyntaxError that says where.
var (
	// ErrNotEnvelope: the root element is not a SOAP 1.1 or 1.2 Envelope.
	ErrNotEnvelope = errors.New("not a SOAP envelope")
	// ErrNoBody: the Envelope has no Body, or the Body has no element.
	ErrNoBody = errors.New("no SOAP Body element")
	// ErrDTD: the message has a document type declaration. SOAP forbids
	// them, and refusing them rules out external entities and entity
	// expansion attacks.
	ErrDTD = errors.New("document type declaration not allowed")
	// ErrUnsupportedCharset: the message is in an encoding Sniff does not
	// read (anything but UTF-8, UTF-16, US-ASCII, ISO-8859-1/15,
	// windows-1252).
	ErrUnsupportedCharset = errors.New("unsupported character encoding")
	// ErrHeadTooLarge: the first Body child did not start within
	// Options.MaxHead bytes. Not a *SyntaxError.
	ErrHeadTooLarge = errors.New("SOAP head too large")
)

// Errors RewriteProfile returns.
var (
	// ErrNoProfile: the message has no receiver element, so there is no
	// profile to translate from (VP001).
	ErrNoProfile = errors.New("no RIV-TA profile in message")
	// ErrUnsupportedProfile: a profile other than RIVTABP20/RIVTABP21 on
	// either side (VP005).
	ErrUnsupportedProfile = errors.New("unsupported RIV-TA profile conversion")
)

// SyntaxError is a malformed or non-SOAP message, with the position of the
// problem. Line and Column count from 1; Column counts characters.
type SyntaxError struct {
	Line, Column int
	Msg          string
	// Err is ErrNotEnvelope, ErrNoBody, ErrDTD or ErrUnsupportedCharset
	// when the problem is one of those, nil for plain well-formedness
	// errors.
	Err error
}

func (e *SyntaxError) Error() string {
	return fmt.Sprintf("line %d, column %d: %s", e.Line, e.Column, e.Msg)
}

// Unwrap lets errors.Is find the sentinel.
func (e *SyntaxError) Unwrap() error { return e.Err }
