package envelope

import (
	"bytes"
	"io"
	"math"
)

// Sniff reads r until the start tag of the first child of soap:Body is
// complete and reports what it found. head is every byte it read from r: the
// caller forwards io.MultiReader(bytes.NewReader(head), r). Sniff reads at
// most readChunk (4 KiB) past the end of that start tag, and never more than
// opt.MaxHead in all.
//
// On error head still holds what was read, for logging; the error is a
// *SyntaxError (malformed XML, not an envelope, no Body, DTD), ErrHeadTooLarge,
// or the reader's own error wrapped.
func Sniff(r io.Reader, opt Options) (*Info, []byte, error) {
	var z Sniffer
	return z.Sniff(r, opt)
}

// SniffBytes sniffs a message already in memory. It does not copy b; the
// strings in Info are copies, so b may be reused afterwards.
func SniffBytes(b []byte) (*Info, error) {
	var z Sniffer
	return z.SniffBytes(b, Options{})
}

// SniffBytesOptions is SniffBytes with Options (MIMEBoundary; MaxHead is
// ignored because the bytes are already read).
func SniffBytesOptions(b []byte, opt Options) (*Info, error) {
	var z Sniffer
	return z.SniffBytes(b, opt)
}

// SniffRoot reports which SOAP version's Envelope is the root element of
// b, reading only the prolog and the root's start tag (b may be the first
// bytes of a longer message). A document whose root is anything else, or
// that is not well-formed up to there (HTML, text, a DOCTYPE), fails.
func SniffRoot(b []byte) (SOAPVersion, error) {
	var z Sniffer
	var s scanner
	s.initBytes(&z.st, b)
	if _, err := s.root(); err != nil {
		return 0, err
	}
	return s.version, nil
}

// A Sniffer keeps Sniff's working memory (about 5 KB) between calls, so a
// server that sniffs every request allocates only the head, the Info and
// its strings. The zero value is ready to use. A Sniffer is not safe for
// concurrent use: keep them in a sync.Pool. Results never refer to its
// memory, so it may be reused as soon as a call returns.
type Sniffer struct {
	st scratch
}

// Sniff is the package function Sniff, with z's working memory.
func (z *Sniffer) Sniff(r io.Reader, opt Options) (*Info, []byte, error) {
	return z.sniff(r, opt, nil)
}

// Storage is memory for one Sniff's results, which SniffInto fills instead
// of allocating: the Info, with room for the usual handful of headers, and
// the buffer the head is read into. A server that keeps one with each call
// (pooled with it) allocates only the Info's strings per call. The Info
// and head a SniffInto returns are st's memory: they must not be used once
// st is sniffed into again. The Info's strings are copies and stay valid.
// The zero value is ready to use; not safe for concurrent use.
type Storage struct {
	block block
	head  []byte
}

// maxKeptHead is the largest head buffer a Storage keeps for the next
// call: a rare megabyte header is not held by every pooled call.
const maxKeptHead = 64 << 10

// SniffInto is Sniff with z's working memory and st's memory for the
// results (see Storage); with a nil st it is Sniff.
func (z *Sniffer) SniffInto(st *Storage, r io.Reader, opt Options) (*Info, []byte, error) {
	info, head, err := z.sniff(r, opt, st)
	if st != nil && cap(head) <= maxKeptHead {
		st.head = head[:0] // grown or not, the next call reads into it
	}
	return info, head, err
}

// sniff reads into st's memory, or into new memory when st is nil.
func (z *Sniffer) sniff(r io.Reader, opt Options, st *Storage) (*Info, []byte, error) {
	maxHead := opt.MaxHead
	if maxHead <= 0 {
		maxHead = DefaultMaxHead
	}
	if maxHead > math.MaxInt32 {
		maxHead = math.MaxInt32 // offsets are ints; 2 GiB of SOAP header is no header
	}
	var s scanner
	s.init(&z.st)
	s.r = r
	s.maxHead = int(maxHead)
	var bl *block
	if st != nil {
		bl = &st.block
		s.raw = st.head[:0]
	}
	if s.raw == nil {
		s.raw = make([]byte, 0, min(readChunk, s.maxHead))
	}
	s.buf = s.raw
	info, err := s.run(opt, bl)
	return info, s.raw, err
}

// SniffBytes is the package function SniffBytesOptions, with z's working
// memory.
func (z *Sniffer) SniffBytes(b []byte, opt Options) (*Info, error) {
	var s scanner
	s.initBytes(&z.st, b)
	return s.run(opt, nil)
}

// initBytes readies s to scan b, already all in memory.
func (s *scanner) initBytes(st *scratch, b []byte) {
	s.init(st)
	s.raw = b
	s.buf = b
	s.eof = true
	s.maxHead = len(b)
}

// Parse states: where in the envelope the scanner is.
const (
	stEnvelope    = iota // inside Envelope, before Header and Body
	stHeader             // inside Header
	stAfterHeader        // Header closed, Body expected
	stBody               // inside Body, before its first element
)

// run scans the whole head: encoding, prolog, Envelope, Header, Body. The
// Info is built in bl (nil: a new one).
func (s *scanner) run(opt Options, bl *block) (*Info, error) {
	if opt.MIME || opt.MIMEBoundary != "" {
		if err := s.skipMIME(opt.MIMEBoundary); err != nil {
			return nil, err
		}
	}
	t, err := s.root()
	if err != nil {
		return nil, err
	}
	if t.selfClosing {
		return nil, s.errAt(t.start, ErrNoBody, "Envelope has no Body")
	}
	s.envNS = s.version.Namespace()
	s.push(t, -1)
	if err := s.content(); err != nil {
		return nil, err
	}
	return s.result(bl), nil
}

// root reads the encoding, the prolog and the root element's start tag,
// which must be a SOAP 1.1 or 1.2 Envelope; it sets s.version.
func (s *scanner) root() (tag, error) {
	if err := s.detect(); err != nil {
		return tag{}, err
	}
	if err := s.prolog(); err != nil {
		return tag{}, err
	}
	// s.pos is at the root element's '<'.
	t, err := s.startTag()
	if err != nil {
		return tag{}, err
	}
	// The root's name is compared ignoring case: VP does not look at the
	// root at all, and its own MTOM test sends <soapenv:envelope>. The
	// namespace leaves no doubt.
	env := bytes.EqualFold(t.localBytes(s), []byte("Envelope"))
	switch {
	case env && t.nsIs(s, SOAP11NS):
		s.version = SOAP11
	case env && t.nsIs(s, SOAP12NS):
		s.version = SOAP12
	default:
		return tag{}, s.errAt(t.start, ErrNotEnvelope,
			"root element is <%s> in namespace %q, not a SOAP 1.1 or 1.2 Envelope",
			s.buf[t.nameStart:t.nameEnd], string(s.nsbuf[t.nsStart:t.nsEnd]))
	}
	return t, nil
}

// content scans the Envelope's content until the first Body child's start
// tag is complete.
func (s *scanner) content() error {
	for {
		lt := s.findByte(s.pos, '<')
		if lt < 0 {
			return s.eofErr("element <%s> is not closed", s.topName())
		}
		if lt > s.pos {
			collect := s.state == stHeader && len(s.elems) >= 3
			if err := s.charData(s.pos, lt, collect); err != nil {
				return err
			}
		}
		s.pos = lt
		if !s.need(2) {
			return s.eofErr("markup is not closed")
		}
		switch s.buf[lt+1] {
		case '/':
			if err := s.endTag(); err != nil {
				return err
			}
		case '?':
			if err := s.pi(); err != nil {
				return err
			}
		case '!':
			if err := s.bang(true); err != nil {
				return err
			}
		default:
			t, err := s.startTag()
			if err != nil {
				return err
			}
			done, err := s.onStart(t)
			if done || err != nil {
				return err
			}
		}
	}
}

// onStart acts on a start tag inside Envelope. done is true at the first
// Body child.
func (s *scanner) onStart(t tag) (done bool, err error) {
	depth := len(s.elems) // depth of the parent; Envelope is 1
	if depth >= maxDepth {
		return false, s.errAt(t.start, nil, "elements nested deeper than %d", maxDepth)
	}
	isEnv := t.nsIs(s, s.envNS)
	switch {
	case depth == 1:
		switch {
		case isEnv && t.localIs(s, "Header") && s.state == stEnvelope:
			s.state = stHeader
			if t.selfClosing {
				s.state = stAfterHeader
			}
		case isEnv && t.localIs(s, "Body") && (s.state == stEnvelope || s.state == stAfterHeader):
			if t.selfClosing {
				return false, s.errAt(t.start, ErrNoBody, "Body is empty: no element to route on")
			}
			s.state = stBody
		case isEnv && t.localIs(s, "Header"):
			return false, s.errAt(t.start, ErrNoBody, "second Header in Envelope")
		default:
			return false, s.errAt(t.start, ErrNoBody, "expected Header or Body in Envelope, found <%s>", s.buf[t.nameStart:t.nameEnd])
		}
	case s.state == stBody:
		s.bodyNS = s.copyNS(t)
		s.bodyLocal = s.copyLocal(t)
		s.bodyStart = t.start
		return true, nil
	case s.state == stHeader:
		if depth == 2 {
			s.hdrs = append(s.hdrs, hdrRec{space: s.copyNS(t), local: s.copyLocal(t)})
			s.hdrs[len(s.hdrs)-1].text.a = len(s.arena)
		}
		spanIdx := -1
		if isTo, isLA := t.localIs(s, "To"), t.localIs(s, "LogicalAddress"); isTo || isLA {
			spanIdx = len(s.spans)
			sp := span{local: "To", start: t.start, nameEnd: t.nameEnd, defStart: t.defStart, defEnd: t.defEnd,
				tagEnd: t.end, selfClosing: t.selfClosing, endStart: t.end, endEnd: t.end}
			if isLA {
				sp.local = "LogicalAddress"
			}
			sp.text.a, sp.text.b = len(s.arena), len(s.arena)
			s.spans = append(s.spans, sp)
		}
		if t.selfClosing {
			s.popNS(t.nsMark)
			s.closeHeaderElem(depth+1, spanIdx)
			return false, nil
		}
		s.push(t, spanIdx)
		return false, nil
	}
	if t.selfClosing {
		s.popNS(t.nsMark)
		return false, nil
	}
	s.push(t, -1)
	return false, nil
}

// closeHeaderElem finishes a header element of the given depth (Header
// children are at depth 3).
func (s *scanner) closeHeaderElem(depth, spanIdx int) {
	if spanIdx >= 0 {
		s.spans[spanIdx].text.b = len(s.arena)
	}
	if depth == 3 {
		s.hdrs[len(s.hdrs)-1].text.b = len(s.arena)
	}
}

// endTag scans </name> at s.pos and pops the element.
func (s *scanner) endTag() error {
	start := s.pos
	nameStart := start + 2
	nameEnd, _, err := s.name(nameStart)
	if err != nil {
		return err
	}
	p := s.skipSpace(nameEnd)
	if !s.need2(p, 1) {
		return s.eofErr("end tag </%s> is not closed", s.buf[nameStart:nameEnd])
	}
	if s.buf[p] != '>' {
		return s.unexpected(p, "'>' to close end tag")
	}
	e := s.elems[len(s.elems)-1]
	if !bytes.Equal(s.buf[e.nameStart:e.nameEnd], s.buf[nameStart:nameEnd]) {
		return s.errAt(start, nil, "element <%s> closed by </%s>", s.buf[e.nameStart:e.nameEnd], s.buf[nameStart:nameEnd])
	}
	s.pos = p + 1
	depth := len(s.elems)
	s.elems = s.elems[:depth-1]
	s.popNS(e.nsMark)
	switch {
	case depth == 1:
		return s.errAt(start, ErrNoBody, "Envelope has no Body")
	case depth == 2 && s.state == stHeader:
		s.state = stAfterHeader
	case depth == 2 && s.state == stBody:
		return s.errAt(start, ErrNoBody, "Body has no element: nothing to route on")
	case s.state == stHeader:
		if e.span >= 0 {
			sp := &s.spans[e.span]
			sp.endStart, sp.endEnd = start, s.pos
		}
		s.closeHeaderElem(depth, e.span)
	}
	return nil
}

// prolog scans the optional BOM-less XML declaration and the comments, PIs
// and whitespace before the root element, leaving s.pos at its '<'.
func (s *scanner) prolog() error {
	if s.hasPrefixAt(s.pos, "<?xml") && s.need2(s.pos, 6) && isSpace(s.buf[s.pos+5]) {
		if err := s.xmlDecl(); err != nil {
			return err
		}
	}
	for {
		s.pos = s.skipSpace(s.pos)
		if !s.need(1) {
			return s.eofErr("no root element")
		}
		if s.buf[s.pos] != '<' {
			return s.errAt(s.pos, nil, "content is not allowed in prolog")
		}
		if !s.need(2) {
			return s.eofErr("markup is not closed")
		}
		switch s.buf[s.pos+1] {
		case '?':
			if err := s.pi(); err != nil {
				return err
			}
		case '!':
			if err := s.bang(false); err != nil {
				return err
			}
		default:
			return nil
		}
	}
}

// skipMIME moves s.pos past the MIME preamble, the first delimiter line
// (the first line that starts with "--", see Options.MIME) and the root
// part's headers of a multipart message. boundary, the declared one, only
// names what was missing.
func (s *scanner) skipMIME(boundary string) error {
	// A body that starts with markup has no MIME wrapper at all: VP finds
	// the envelope wherever it is, so it is sniffed as it stands.
	if p := s.skipSpace(0); p < len(s.buf) && s.buf[p] == '<' {
		return nil
	}
	i := s.find(0, "--")
	for i > 0 && s.buf[i-1] != '\n' { // a delimiter starts a line
		i = s.find(i+1, "--")
	}
	if i < 0 {
		if boundary == "" {
			return s.eofErr("no MIME delimiter line (one starting with --) found")
		}
		return s.eofErr("MIME boundary %q not found", boundary)
	}
	p := s.findByte(i+2, '\n')
	for p >= 0 {
		q := s.findByte(p+1, '\n')
		if q < 0 {
			break
		}
		if line := s.buf[p+1 : q]; len(line) == 0 || len(line) == 1 && line[0] == '\r' {
			s.pos = q + 1
			return nil
		}
		p = q
	}
	return s.eofErr("MIME headers of the root part are not closed")
}
