package envelope

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"sort"
	"strconv"
	"unicode/utf8"

	"github.com/rivgate/rivgate/contracts/rivta"
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

func isNameStartByte(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || c == '_'
}

func isNameByte(c byte) bool {
	return isNameStartByte(c) || '0' <= c && c <= '9' || c == '-' || c == '.'
}

// isNameRune reports whether a non-ASCII rune may appear in an XML name
// (XML 1.0 fifth edition, NameStartChar and NameChar).
func isNameRune(r rune, first bool) bool {
	switch {
	case r >= 0xC0 && r <= 0xD6, r >= 0xD8 && r <= 0xF6, r >= 0xF8 && r <= 0x2FF,
		r >= 0x370 && r <= 0x37D, r >= 0x37F && r <= 0x1FFF, r >= 0x200C && r <= 0x200D,
		r >= 0x2070 && r <= 0x218F, r >= 0x2C00 && r <= 0x2FEF, r >= 0x3001 && r <= 0xD7FF,
		r >= 0xF900 && r <= 0xFDCF, r >= 0xFDF0 && r <= 0xFFFD, r >= 0x10000 && r <= 0xEFFFF:
		return true
	case first:
		return false
	}
	return r == 0xB7 || r >= 0x300 && r <= 0x36F || r >= 0x203F && r <= 0x2040
}

// isChar reports whether r is an XML 1.0 Char.
func isChar(r rune) bool {
	return r == 0x9 || r == 0xA || r == 0xD || r >= 0x20 && r <= 0xD7FF ||
		r >= 0xE000 && r <= 0xFFFD || r >= 0x10000 && r <= 0x10FFFF
}

// runeAt decodes the character at p, whose first byte is >= 0x80.
func (s *scanner) runeAt(p int) (rune, int) {
	if s.mode == modeSingle {
		return rune(s.buf[p]), 1 // Latin-1 view; good enough to classify name characters
	}
	s.need2(p, utf8.UTFMax) // a short read is fine: DecodeRune reports it
	return utf8.DecodeRune(s.buf[p:min(p+utf8.UTFMax, len(s.buf))])
}

// name scans a QName starting at p. It returns its end and the index of its
// colon (-1 if none).
func (s *scanner) name(p int) (end, colon int, err error) {
	colon = -1
	start := p
	for {
		if p >= len(s.buf) && !s.fill() {
			if p == start {
				return 0, 0, s.eofErr("a name was expected")
			}
			return 0, 0, s.eofErr("markup is not closed")
		}
		c := s.buf[p]
		first := p == start || colon >= 0 && p == colon+1
		switch {
		case c < utf8.RuneSelf:
			if c == ':' {
				if colon >= 0 || p == start {
					return 0, 0, s.errAt(p, nil, "invalid character ':' in name (a QName has at most one colon, not at either end)")
				}
				colon = p
				p++
				continue
			}
			if first && isNameStartByte(c) || !first && isNameByte(c) {
				p++
				continue
			}
			if p == start {
				return 0, 0, s.unexpected(p, "a name")
			}
			if colon >= 0 && p == colon+1 {
				return 0, 0, s.errAt(p, nil, "name %q ends with ':'", s.buf[start:p])
			}
			return p, colon, nil
		default:
			r, n := s.runeAt(p)
			if r == utf8.RuneError && n <= 1 {
				return 0, 0, s.errAt(p, nil, "invalid UTF-8")
			}
			if !isNameRune(r, first) {
				if first {
					return 0, 0, s.errAt(p, nil, "character %q cannot start a name", r)
				}
				return p, colon, nil
			}
			p += n
		}
	}
}

// startTag scans the start tag at s.pos, declares its namespaces and
// resolves its name. s.pos ends up just past it.
func (s *scanner) startTag() (tag, error) {
	t := tag{start: s.pos, defStart: -1, defEnd: -1, nsMark: len(s.binds)}
	var err error
	t.nameStart = s.pos + 1
	if t.nameEnd, t.colon, err = s.name(t.nameStart); err != nil {
		return t, err
	}
	s.attrs = s.attrs[:0]
	p := t.nameEnd
	for {
		ws := p
		p = s.skipSpace(p)
		if p >= len(s.buf) {
			return t, s.eofErr("start tag <%s> is not closed", s.buf[t.nameStart:t.nameEnd])
		}
		c := s.buf[p]
		if c == '>' {
			t.end = p + 1
			break
		}
		if c == '/' {
			if !s.need2(p, 2) {
				return t, s.eofErr("start tag <%s> is not closed", s.buf[t.nameStart:t.nameEnd])
			}
			if s.buf[p+1] != '>' {
				return t, s.unexpected(p+1, "'>' after '/'")
			}
			t.end, t.selfClosing = p+2, true
			break
		}
		if p == ws {
			return t, s.unexpected(p, "white space, '>' or '/>'")
		}
		a := attr{wsStart: ws, nameStart: p}
		if a.nameEnd, a.colon, err = s.name(p); err != nil {
			return t, err
		}
		p = s.skipSpace(a.nameEnd)
		if !s.need2(p, 1) {
			return t, s.eofErr("start tag <%s> is not closed", s.buf[t.nameStart:t.nameEnd])
		}
		if s.buf[p] != '=' {
			return t, s.unexpected(p, "'='")
		}
		p = s.skipSpace(p + 1)
		if !s.need2(p, 1) {
			return t, s.eofErr("start tag <%s> is not closed", s.buf[t.nameStart:t.nameEnd])
		}
		q := s.buf[p]
		if q != '"' && q != '\'' {
			return t, s.unexpected(p, "a quoted attribute value")
		}
		a.valStart = p + 1
		if a.valEnd = s.findByte(a.valStart, q); a.valEnd < 0 {
			return t, s.eofErr("attribute value is not closed")
		}
		if a.plain, err = s.checkValue(a.valStart, a.valEnd); err != nil {
			return t, err
		}
		p = a.valEnd + 1
		s.attrs = append(s.attrs, a)
	}
	s.pos = t.end
	if err := s.declare(&t); err != nil {
		return t, err
	}
	return t, nil
}

// declare pushes the tag's namespace declarations, resolves its prefix and
// checks its attributes' prefixes and uniqueness.
func (s *scanner) declare(t *tag) error {
	for i := range s.attrs {
		a := &s.attrs[i]
		name := s.buf[a.nameStart:a.nameEnd]
		switch {
		case string(name) == "xmlns":
			t.defStart, t.defEnd = a.wsStart, a.valEnd+1
			mark := len(s.nsbuf)
			uri := s.value(a)
			if string(s.nsbuf[uri.a:uri.b]) == xmlNS || string(s.nsbuf[uri.a:uri.b]) == xmlnsNS {
				return s.errAt(a.nameStart, nil, "the namespace %q cannot be the default namespace", s.nsbuf[uri.a:uri.b])
			}
			s.binds = append(s.binds, binding{prefix: rng{mark, mark}, uri: uri})
			if len(s.binds) > maxBindings {
				return s.errAt(a.nameStart, nil, "more than %d namespace declarations in scope", maxBindings)
			}
		case a.colon >= 0 && string(s.buf[a.nameStart:a.colon]) == "xmlns":
			pfx := s.buf[a.colon+1 : a.nameEnd]
			pa := len(s.nsbuf)
			s.nsbuf = append(s.nsbuf, pfx...)
			prefix := rng{pa, len(s.nsbuf)}
			uri := s.value(a)
			u := s.nsbuf[uri.a:uri.b]
			switch {
			case string(pfx) == "xmlns":
				return s.errAt(a.nameStart, nil, "the prefix \"xmlns\" cannot be declared")
			case string(pfx) == "xml" && string(u) != xmlNS, string(pfx) != "xml" && string(u) == xmlNS:
				return s.errAt(a.nameStart, nil, "the prefix \"xml\" is bound to %q and only it can be", xmlNS)
			case string(u) == xmlnsNS:
				return s.errAt(a.nameStart, nil, "the namespace %q cannot be bound to a prefix", xmlnsNS)
			case len(u) == 0:
				return s.errAt(a.nameStart, nil, "namespace prefix %q is bound to an empty URI", pfx)
			}
			s.binds = append(s.binds, binding{prefix: prefix, uri: uri})
			if len(s.binds) > maxBindings {
				return s.errAt(a.nameStart, nil, "more than %d namespace declarations in scope", maxBindings)
			}
		}
	}
	var ok bool
	if t.colon >= 0 {
		t.nsStart, t.nsEnd, ok = s.lookup(s.buf[t.nameStart:t.colon])
		if !ok {
			return s.errAt(t.nameStart, nil, "undeclared namespace prefix %q in <%s>", s.buf[t.nameStart:t.colon], s.buf[t.nameStart:t.nameEnd])
		}
	} else {
		t.nsStart, t.nsEnd, _ = s.lookup(nil)
	}
	n := len(s.attrs)
	for i := range s.attrs {
		a := &s.attrs[i]
		if a.colon >= 0 && string(s.buf[a.nameStart:a.colon]) != "xmlns" {
			if _, _, ok := s.lookup(s.buf[a.nameStart:a.colon]); !ok {
				return s.errAt(a.nameStart, nil, "undeclared namespace prefix %q in attribute %s", s.buf[a.nameStart:a.colon], s.buf[a.nameStart:a.nameEnd])
			}
		}
		if n > 64 {
			continue // checked below with a map
		}
		for j := range i {
			if s.sameAttr(&s.attrs[j], a) {
				return s.errAt(a.nameStart, nil, "attribute %s appears twice in <%s>", s.buf[a.nameStart:a.nameEnd], s.buf[t.nameStart:t.nameEnd])
			}
		}
	}
	if n > 64 {
		seen := make(map[string]bool, n)
		for i := range s.attrs {
			a := &s.attrs[i]
			k := s.attrKey(a)
			if seen[k] {
				return s.errAt(a.nameStart, nil, "attribute %s appears twice in <%s>", s.buf[a.nameStart:a.nameEnd], s.buf[t.nameStart:t.nameEnd])
			}
			seen[k] = true
		}
	}
	return nil
}

// maxBindings bounds the namespace declarations in scope at once. Every
// prefix lookup walks them, so without a bound a head of many declarations
// and many elements costs quadratic time. Real messages have a dozen.
const maxBindings = 256

const (
	xmlNS   = "http://www.w3.org/XML/1998/namespace"
	xmlnsNS = "http://www.w3.org/2000/xmlns/"
)

// sameAttr reports whether two attributes have the same expanded name (or
// the same qualified name, which is an error even with different URIs...
// impossible, but cheap to say).
func (s *scanner) sameAttr(x, y *attr) bool {
	if bytes.Equal(s.buf[x.nameStart:x.nameEnd], s.buf[y.nameStart:y.nameEnd]) {
		return true
	}
	if x.colon < 0 || y.colon < 0 || isXMLNSAttr(s, x) || isXMLNSAttr(s, y) {
		return false
	}
	if !bytes.Equal(s.buf[x.colon+1:x.nameEnd], s.buf[y.colon+1:y.nameEnd]) {
		return false
	}
	xa, xb, _ := s.lookup(s.buf[x.nameStart:x.colon])
	ya, yb, _ := s.lookup(s.buf[y.nameStart:y.colon])
	return bytes.Equal(s.nsbuf[xa:xb], s.nsbuf[ya:yb])
}

func isXMLNSAttr(s *scanner, a *attr) bool {
	return string(s.buf[a.nameStart:a.colon]) == "xmlns"
}

// attrKey is an attribute's expanded name as a map key.
func (s *scanner) attrKey(a *attr) string {
	if a.colon < 0 || isXMLNSAttr(s, a) {
		return string(s.buf[a.nameStart:a.nameEnd])
	}
	ua, ub, _ := s.lookup(s.buf[a.nameStart:a.colon])
	return "{" + string(s.nsbuf[ua:ub]) + "}" + string(s.buf[a.colon+1:a.nameEnd])
}

// lookup resolves a prefix (nil for the default namespace) to a URI range
// in nsbuf. The default namespace is "" when undeclared.
func (s *scanner) lookup(prefix []byte) (a, b int, ok bool) {
	for i := len(s.binds) - 1; i >= 0; i-- {
		bd := &s.binds[i]
		if bytes.Equal(s.nsbuf[bd.prefix.a:bd.prefix.b], prefix) {
			return bd.uri.a, bd.uri.b, true
		}
	}
	if string(prefix) == "xml" {
		a = len(s.nsbuf)
		s.nsbuf = append(s.nsbuf, xmlNS...)
		return a, len(s.nsbuf), true
	}
	return 0, 0, len(prefix) == 0
}

// value copies an attribute value into nsbuf, resolving references and
// normalising white space as XML does for attribute values.
func (s *scanner) value(a *attr) rng {
	start := len(s.nsbuf)
	v := s.buf[a.valStart:a.valEnd]
	if a.plain {
		s.nsbuf = append(s.nsbuf, v...)
		return rng{start, len(s.nsbuf)}
	}
	for i := 0; i < len(v); {
		c := v[i]
		switch {
		case c == '&':
			n, r := parseRef(v[i:]) // checked in checkValue
			s.nsbuf = utf8.AppendRune(s.nsbuf, r)
			i += n
		case c == '\r' && i+1 < len(v) && v[i+1] == '\n':
			i++ // CR LF is one line end, and one space
		case c == '\t' || c == '\n' || c == '\r':
			s.nsbuf = append(s.nsbuf, ' ')
			i++
		default:
			s.nsbuf = append(s.nsbuf, c)
			i++
		}
	}
	return rng{start, len(s.nsbuf)}
}

// checkValue checks an attribute value's characters and references. plain
// is true when it needs no decoding.
func (s *scanner) checkValue(a, b int) (plain bool, err error) {
	plain = true
	v := s.buf[a:b]
	for i := 0; i < len(v); {
		c := v[i]
		switch {
		case c == '<':
			return false, s.errAt(a+i, nil, "character '<' is not allowed in an attribute value")
		case c == '&':
			n, _ := parseRef(v[i:])
			if n == 0 {
				return false, s.refErr(a+i, v[i:])
			}
			plain = false
			i += n
		case c == '\t' || c == '\n' || c == '\r':
			plain = false
			i++
		case c < 0x20:
			return false, s.errAt(a+i, nil, "illegal character code %U", rune(c))
		case c < utf8.RuneSelf || s.mode == modeSingle:
			i++
		default:
			n, err := s.checkRune(a+i, v[i:])
			if err != nil {
				return false, err
			}
			i += n
		}
	}
	return plain, nil
}

// checkRune checks the multi-byte UTF-8 character at the start of b, which
// sits at buf index p.
func (s *scanner) checkRune(p int, b []byte) (int, error) {
	r, n := utf8.DecodeRune(b)
	if r == utf8.RuneError && n <= 1 {
		return 0, s.errAt(p, nil, "invalid UTF-8")
	}
	if !isChar(r) {
		return 0, s.errAt(p, nil, "illegal character code %U", r)
	}
	return n, nil
}

// parseRef parses an entity or character reference at the start of b
// ("&lt;", "&#60;", "&#x3C;"). n is 0 when it is not one XML allows
// without a DTD.
func parseRef(b []byte) (n int, r rune) {
	end := bytes.IndexByte(b, ';')
	if end < 2 {
		return 0, 0
	}
	body := b[1:end]
	if body[0] == '#' {
		var v uint64
		var err error
		switch {
		case len(body) > 2 && body[1] == 'x':
			v, err = strconv.ParseUint(string(body[2:]), 16, 32)
		case len(body) > 1 && body[1] >= '0' && body[1] <= '9':
			v, err = strconv.ParseUint(string(body[1:]), 10, 32)
		default:
			return 0, 0
		}
		if err != nil || v > utf8.MaxRune || !isChar(rune(v)) {
			return 0, 0
		}
		for _, c := range body[1:] { // ParseUint accepts underscores and signs in some bases; XML does not
			if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F' || c == 'x') {
				return 0, 0
			}
		}
		return end + 1, rune(v)
	}
	switch string(body) {
	case "lt":
		return end + 1, '<'
	case "gt":
		return end + 1, '>'
	case "amp":
		return end + 1, '&'
	case "apos":
		return end + 1, '\''
	case "quot":
		return end + 1, '"'
	}
	return 0, 0
}

// refErr describes a bad reference at buf index p.
func (s *scanner) refErr(p int, b []byte) error {
	end := bytes.IndexByte(b, ';')
	if end < 0 || end > 40 {
		return s.errAt(p, nil, "'&' must start a reference such as &amp; (a literal & is written &amp;)")
	}
	if len(b) > 1 && b[1] == '#' {
		return s.errAt(p, nil, "invalid character reference %s", b[:end+1])
	}
	return s.errAt(p, nil, "undefined entity %s: without a DTD only &lt; &gt; &amp; &apos; &quot; exist", b[:end+1])
}

// charData checks character data in buf[a:b] and, when collect is set,
// appends its decoded text to the arena.
func (s *scanner) charData(a, b int, collect bool) error {
	v := s.buf[a:b]
	run := 0 // start of bytes not yet appended
	for i := 0; i < len(v); {
		if i+8 <= len(v) {
			if w := binary.LittleEndian.Uint64(v[i:]); plainWord(w) && !hasByte(w, '&') && !hasByte(w, '>') {
				i += 8
				continue
			}
		}
		c := v[i]
		switch {
		case c == '&':
			n, r := parseRef(v[i:])
			if n == 0 {
				return s.refErr(a+i, v[i:])
			}
			if collect {
				s.arena = append(s.arena, v[run:i]...)
				s.arena = utf8.AppendRune(s.arena, r)
			}
			i += n
			run = i
		case c == '\r':
			if collect {
				s.arena = append(s.arena, v[run:i]...)
				s.arena = append(s.arena, '\n')
			}
			i++
			if i < len(v) && v[i] == '\n' {
				i++
			}
			run = i
		case c == '>':
			if i >= 2 && v[i-1] == ']' && v[i-2] == ']' {
				return s.errAt(a+i-2, nil, "the sequence \"]]>\" is not allowed in character data")
			}
			i++
		case c < 0x20 && c != '\t' && c != '\n':
			return s.errAt(a+i, nil, "illegal character code %U", rune(c))
		case c < utf8.RuneSelf || s.mode == modeSingle:
			i++
		default:
			n, err := s.checkRune(a+i, v[i:])
			if err != nil {
				return err
			}
			i += n
		}
	}
	if collect {
		s.arena = append(s.arena, v[run:]...)
	}
	return nil
}

// Eight bytes at a time: a word of printable ASCII needs no closer look.
const (
	ones  = 0x0101010101010101
	highs = 0x8080808080808080
)

// plainWord reports whether all eight bytes of w are in 0x20..0x7F.
func plainWord(w uint64) bool { return (w-0x20*ones|w)&highs == 0 }

// hasByte reports whether any byte of w is c.
func hasByte(w uint64, c byte) bool {
	x := w ^ ones*uint64(c)
	return (x-ones)&^x&highs != 0
}

// checkChars checks that buf[a:b] holds only XML characters (comments,
// PIs, CDATA).
func (s *scanner) checkChars(a, b int) error {
	v := s.buf[a:b]
	for i := 0; i < len(v); {
		if i+8 <= len(v) && plainWord(binary.LittleEndian.Uint64(v[i:])) {
			i += 8
			continue
		}
		c := v[i]
		switch {
		case c < 0x20 && c != '\t' && c != '\n' && c != '\r':
			return s.errAt(a+i, nil, "illegal character code %U", rune(c))
		case c < utf8.RuneSelf || s.mode == modeSingle:
			i++
		default:
			n, err := s.checkRune(a+i, v[i:])
			if err != nil {
				return err
			}
			i += n
		}
	}
	return nil
}

// pi scans a processing instruction at s.pos.
func (s *scanner) pi() error {
	start := s.pos
	end, colon, err := s.name(start + 2)
	if err != nil {
		return err
	}
	target := s.buf[start+2 : end]
	if len(target) == 3 && (target[0]|0x20) == 'x' && (target[1]|0x20) == 'm' && (target[2]|0x20) == 'l' {
		return s.errAt(start, nil, "the XML declaration is allowed only at the very start of the document")
	}
	if colon >= 0 {
		return s.errAt(start+2, nil, "processing instruction target %q contains ':'", target)
	}
	close := s.find(end, "?>")
	if close < 0 {
		return s.eofErr("processing instruction <?%s is not closed", target)
	}
	if close > end && !isSpace(s.buf[end]) {
		return s.unexpected(end, "white space after the processing instruction target")
	}
	if err := s.checkChars(end, close); err != nil {
		return err
	}
	s.pos = close + 2
	return nil
}

// bang scans markup starting "<!": a comment, CDATA (inContent only), or a
// DOCTYPE, which is refused.
func (s *scanner) bang(inContent bool) error {
	start := s.pos
	switch {
	case s.hasPrefixAt(start, "<!--"):
		close := s.find(start+4, "--")
		if close < 0 {
			return s.eofErr("comment is not closed")
		}
		if !s.need2(close, 3) {
			return s.eofErr("comment is not closed")
		}
		if s.buf[close+2] != '>' {
			return s.errAt(close, nil, "the string \"--\" is not allowed inside a comment")
		}
		if err := s.checkChars(start+4, close); err != nil {
			return err
		}
		s.pos = close + 3
		return nil
	case inContent && s.hasPrefixAt(start, "<![CDATA["):
		close := s.find(start+9, "]]>")
		if close < 0 {
			return s.eofErr("CDATA section is not closed")
		}
		if err := s.checkChars(start+9, close); err != nil {
			return err
		}
		if s.state == stHeader && len(s.elems) >= 3 {
			s.appendNormalized(start+9, close)
		}
		s.pos = close + 3
		return nil
	case s.hasPrefixAt(start, "<!DOCTYPE"):
		return s.errAt(start, ErrDTD, "DOCTYPE is not allowed in a SOAP message (no DTDs, so no external entities and no entity expansion)")
	}
	return s.errAt(start, nil, "markup \"<!\" must start a comment or a CDATA section")
}

// appendNormalized appends buf[a:b] to the arena with line ends normalised.
func (s *scanner) appendNormalized(a, b int) {
	v := s.buf[a:b]
	for {
		i := bytes.IndexByte(v, '\r')
		if i < 0 {
			s.arena = append(s.arena, v...)
			return
		}
		s.arena = append(s.arena, v[:i]...)
		s.arena = append(s.arena, '\n')
		v = v[i+1:]
		if len(v) > 0 && v[0] == '\n' {
			v = v[1:]
		}
	}
}

// push makes t the innermost open element.
func (s *scanner) push(t tag, spanIdx int) {
	s.elems = append(s.elems, elem{nameStart: t.nameStart, nameEnd: t.nameEnd, nsMark: t.nsMark, span: spanIdx})
}

// popNS drops the declarations made since mark, and their bytes in nsbuf
// (a binding's prefix is stored first, so prefix.a is where it starts).
func (s *scanner) popNS(mark int) {
	if mark < len(s.binds) {
		s.nsbuf = s.nsbuf[:s.binds[mark].prefix.a]
		s.binds = s.binds[:mark]
	}
}

func (s *scanner) topName() []byte {
	e := s.elems[len(s.elems)-1]
	return s.buf[e.nameStart:e.nameEnd]
}

// copyNS copies t's namespace URI into the arena.
func (s *scanner) copyNS(t tag) rng {
	a := len(s.arena)
	s.arena = append(s.arena, s.nsbuf[t.nsStart:t.nsEnd]...)
	return rng{a, len(s.arena)}
}

// copyLocal copies t's local name into the arena.
func (s *scanner) copyLocal(t tag) rng {
	a := len(s.arena)
	s.arena = append(s.arena, t.localBytes(s)...)
	return rng{a, len(s.arena)}
}

// result builds the Info: one allocation for Info with room for the usual
// handful of headers, one for all its strings.
func (s *scanner) result() *Info {
	type block struct {
		info    Info
		headers [4]HeaderElement
		spans   [2]span
	}
	bl := new(block)
	info := &bl.info
	str := string(s.arena)
	if s.mode == modeSingle {
		str = decodeSingle(s.charset, str)
	}
	sub := func(r rng) string { return str[r.a:r.b] }
	if s.mode == modeSingle {
		sub = func(r rng) string { return decodeSingle(s.charset, string(s.arena[r.a:r.b])) }
	}
	info.Version = s.version
	info.Charset = s.charset
	info.DeclaredCharset = sub(s.declared)
	info.Body = QName{Space: sub(s.bodyNS), Local: sub(s.bodyLocal)}
	if len(s.hdrs) <= len(bl.headers) {
		info.Headers = bl.headers[:len(s.hdrs)]
	} else {
		info.Headers = make([]HeaderElement, len(s.hdrs))
	}
	for i, h := range s.hdrs {
		info.Headers[i] = HeaderElement{Name: QName{Space: sub(h.space), Local: sub(h.local)}, Text: sub(h.text)}
	}
	bodyStart := s.bodyStart
	if n := len(s.spans); n > 0 {
		last := s.spans[n-1]
		info.Profile = rivta.RIVTABP20
		if last.local == "LogicalAddress" {
			info.Profile = rivta.RIVTABP21
		}
		if text := sub(last.text); !isAllSpace(text) {
			info.Receiver, info.HasReceiver = text, true
		}
		if n <= len(bl.spans) {
			info.recv = bl.spans[:n]
		} else {
			info.recv = make([]span, n)
		}
		copy(info.recv, s.spans)
		if s.mode >= modeUTF16LE {
			bs := bodyStart
			offs := []*int{&bs}
			for i := range info.recv {
				sp := &info.recv[i]
				offs = append(offs, &sp.start, &sp.nameEnd, &sp.tagEnd, &sp.endStart, &sp.endEnd)
				if sp.defStart >= 0 {
					offs = append(offs, &sp.defStart, &sp.defEnd)
				}
			}
			s.mapOffsets(offs)
			bodyStart = bs
		}
		for i := range info.recv {
			info.recv[i].text = rng{}
		}
	} else if s.mode >= modeUTF16LE {
		bs := bodyStart
		s.mapOffsets([]*int{&bs})
		bodyStart = bs
	}
	info.BodyStart = int64(bodyStart)
	return info
}

func isAllSpace(s string) bool {
	for i := 0; i < len(s); i++ {
		if !isSpace(s[i]) {
			return false
		}
	}
	return true
}

// mapOffsets turns indexes in buf, the UTF-8 transcoding of UTF-16 input,
// into offsets in raw, in one pass over buf.
func (s *scanner) mapOffsets(offs []*int) {
	sort.Slice(offs, func(i, j int) bool { return *offs[i] < *offs[j] })
	d, raw := 0, s.decStart
	for _, p := range offs {
		for d < *p {
			r, n := utf8.DecodeRune(s.buf[d:])
			d += n
			if r >= 0x10000 {
				raw += 4
			} else {
				raw += 2
			}
		}
		*p = raw
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
