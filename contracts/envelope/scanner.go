package envelope

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strconv"
	"unicode/utf8"
)

// encMode is how the scanner turns bytes into characters.
type encMode uint8

const (
	modeUTF8    encMode = iota // the bytes are scanned as they are
	modeSingle                 // ISO-8859-x/windows-1252: markup is ASCII, every byte >= 0x80 is a character
	modeUTF16LE                // buf is a UTF-8 transcoding of raw
	modeUTF16BE
)

// rng is a half-open byte range.
type rng struct{ a, b int }

// elem is an open element.
type elem struct {
	nameStart, nameEnd int // raw qualified name in buf
	nsMark             int // len(binds) before its declarations
	span               int // index in spans for receiver elements, else -1
}

// binding is a namespace declaration in scope; ranges index nsbuf.
type binding struct {
	prefix, uri rng
}

// attr is one attribute of the start tag being scanned; offsets index buf.
type attr struct {
	wsStart            int // the whitespace before it, for cutting it out
	nameStart, nameEnd int
	colon              int // index of ':' in the name, or -1
	valStart, valEnd   int
	plain              bool // value has no '&' and no \t \n \r: usable as is
}

// tag is a scanned start tag.
type tag struct {
	start, end         int // '<' and just past '>'
	nameStart, nameEnd int
	colon              int
	nsStart, nsEnd     int // resolved namespace URI in nsbuf
	nsMark             int // len(binds) before its declarations
	defStart, defEnd   int // its xmlns="..." attribute, leading whitespace included; -1 if none
	selfClosing        bool
}

// localIs compares the local name without allocating.
func (t *tag) localIs(s *scanner, local string) bool {
	return string(t.localBytes(s)) == local
}

func (t *tag) localBytes(s *scanner) []byte {
	if t.colon >= 0 {
		return s.buf[t.colon+1 : t.nameEnd]
	}
	return s.buf[t.nameStart:t.nameEnd]
}

func (t *tag) nsIs(s *scanner, ns string) bool {
	return string(s.nsbuf[t.nsStart:t.nsEnd]) == ns
}

// hdrRec is a Header child being collected; ranges index arena.
type hdrRec struct {
	space, local, text rng
}

// scanner holds the state of one Sniff call; its slices start in a
// scratch.
type scanner struct {
	r        io.Reader
	raw      []byte // every byte read: the head
	buf      []byte // what is scanned: raw itself, or raw transcoded from UTF-16
	mode     encMode
	maxHead  int
	eof      bool  // no more input
	rerr     error // the reader's error, if it failed
	tooLarge bool  // stopped at maxHead
	zeroRead int   // consecutive empty reads

	// UTF-16 decoding of raw into buf.
	decStart int    // raw offset where UTF-16 text starts (after any BOM)
	dec      int    // raw bytes decoded so far
	decErr   string // a decoding error, reported when the scanner runs dry

	pos       int
	state     int
	version   SOAPVersion
	envNS     string
	charset   string
	declared  rng // declared encoding in arena
	elems     []elem
	binds     []binding
	attrs     []attr
	nsbuf     []byte // prefixes and URIs of binds, entity-decoded
	arena     []byte // every string Info returns, converted once at the end
	hdrs      []hdrRec
	spans     []span
	bodyNS    rng
	bodyLocal rng
	bodyStart int
}

// scratch is the scanner's working memory, big enough for ordinary
// messages; a message that needs more grows the slices on the heap.
type scratch struct {
	elemArr  [16]elem
	bindArr  [16]binding
	attrArr  [16]attr
	hdrArr   [8]hdrRec
	spanArr  [4]span
	nsArr    [512]byte
	arenaArr [512]byte
}

func (s *scanner) init(st *scratch) {
	s.elems = st.elemArr[:0]
	s.binds = st.bindArr[:0]
	s.attrs = st.attrArr[:0]
	s.hdrs = st.hdrArr[:0]
	s.spans = st.spanArr[:0]
	s.nsbuf = st.nsArr[:0]
	s.arena = st.arenaArr[:0]
	s.charset = "UTF-8"
}

// fill makes more input available in buf: the next chunk of UTF-16 still
// to transcode, or the next read. It reports false when there is none: end
// of input, a read error, a decoding error or the head limit.
func (s *scanner) fill() bool {
	for {
		if s.mode >= modeUTF16LE && s.dec < len(s.raw) {
			before := len(s.buf)
			s.decode16()
			if len(s.buf) > before {
				return true
			}
			if s.decErr != "" {
				return false
			}
		}
		if s.eof || s.r == nil {
			s.eof = true
			return false
		}
		if len(s.raw) >= s.maxHead {
			s.tooLarge = true
			return false
		}
		n := min(readChunk, s.maxHead-len(s.raw))
		if cap(s.raw)-len(s.raw) < n {
			c := max(2*cap(s.raw), len(s.raw)+n)
			c = min(c, max(s.maxHead, len(s.raw)+n))
			grown := make([]byte, len(s.raw), c)
			copy(grown, s.raw)
			s.raw = grown
		}
		m, err := s.r.Read(s.raw[len(s.raw) : len(s.raw)+n])
		if m < 0 || m > n {
			m, err = 0, fmt.Errorf("reader returned %d bytes for a %d-byte read", m, n)
		}
		s.raw = s.raw[:len(s.raw)+m]
		if err != nil {
			s.eof = true
			if !errors.Is(err, io.EOF) {
				s.rerr = err
			}
		}
		if m == 0 && err == nil {
			if s.zeroRead++; s.zeroRead > 100 {
				s.eof, s.rerr = true, io.ErrNoProgress
			}
			continue
		}
		s.zeroRead = 0
		if s.mode < modeUTF16LE {
			s.buf = s.raw
			if m > 0 {
				return true
			}
		}
	}
}

// need makes sure n bytes from s.pos are in buf.
func (s *scanner) need(n int) bool { return s.need2(s.pos, n) }

// need2 makes sure n bytes from p are in buf.
func (s *scanner) need2(p, n int) bool {
	for p+n > len(s.buf) {
		if !s.fill() {
			return false
		}
	}
	return true
}

// findByte returns the index of the first c at or after from, reading as
// needed, or -1 when input ends first.
func (s *scanner) findByte(from int, c byte) int {
	for {
		if from < len(s.buf) {
			if i := bytes.IndexByte(s.buf[from:], c); i >= 0 {
				return from + i
			}
			from = len(s.buf)
		}
		if !s.fill() {
			return -1
		}
	}
}

// find returns the index of the first sep at or after from, or -1.
func (s *scanner) find(from int, sep string) int {
	for {
		if from < len(s.buf) {
			if i := bytes.Index(s.buf[from:], []byte(sep)); i >= 0 {
				return from + i
			}
			from = max(from, len(s.buf)-len(sep)+1)
		}
		if !s.fill() {
			return -1
		}
	}
}

func (s *scanner) hasPrefixAt(p int, prefix string) bool {
	return s.need2(p, len(prefix)) && string(s.buf[p:p+len(prefix)]) == prefix
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

// skipSpace returns the first index at or after p that is not XML white
// space (or len(buf) at end of input).
func (s *scanner) skipSpace(p int) int {
	for {
		for p < len(s.buf) {
			if !isSpace(s.buf[p]) {
				return p
			}
			p++
		}
		if !s.fill() {
			return p
		}
	}
}

// errAt builds a *SyntaxError for buf index p.
func (s *scanner) errAt(p int, sentinel error, format string, args ...any) *SyntaxError {
	line, col := 1, 1
	b := s.buf[:min(max(p, 0), len(s.buf))]
	for i := 0; i < len(b); {
		c := b[i]
		switch {
		case c == '\n':
			line, col = line+1, 1
			i++
		case c == '\r':
			line, col = line+1, 1
			i++
			if i < len(b) && b[i] == '\n' {
				i++
			}
		case c < utf8.RuneSelf || s.mode == modeSingle:
			col++
			i++
		default:
			_, n := utf8.DecodeRune(b[i:])
			col++
			i += n
		}
	}
	return &SyntaxError{Line: line, Column: col, Msg: fmt.Sprintf(format, args...), Err: sentinel}
}

// unexpected reports the character at p where something else was expected.
func (s *scanner) unexpected(p int, want string) error {
	if p >= len(s.buf) {
		return s.eofErr("%s was expected", want)
	}
	c := s.buf[p]
	if c < utf8.RuneSelf || s.mode == modeSingle {
		return s.errAt(p, nil, "unexpected character %s (code %d), expected %s", strconv.QuoteRune(rune(c)), c, want)
	}
	r, _ := s.runeAt(p) // reads on so a character split between reads is whole
	return s.errAt(p, nil, "unexpected character %s (code %d), expected %s", strconv.QuoteRune(r), r, want)
}

// eofErr explains why input ran out: the head limit, the reader failing, a
// decoding error, or the message really ending early.
func (s *scanner) eofErr(format string, args ...any) error {
	switch {
	case s.tooLarge:
		return fmt.Errorf("%w: the first Body element did not start within %d bytes", ErrHeadTooLarge, s.maxHead)
	case s.rerr != nil:
		return fmt.Errorf("read SOAP message: %w", s.rerr)
	case s.decErr != "":
		return s.errAt(len(s.buf), nil, "%s", s.decErr)
	}
	return s.errAt(len(s.buf), nil, "unexpected end of input: "+format, args...)
}
