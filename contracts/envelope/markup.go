package envelope

import (
	"bytes"
	"unicode/utf8"
)

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
		if len(s.attrs) == maxAttrs {
			return t, s.errAt(p, nil, "more than %d attributes in <%s>", maxAttrs, s.buf[t.nameStart:t.nameEnd])
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

// maxDepth and maxAttrs bound element nesting in the head and the
// attributes (namespace declarations included) of one start tag, as
// Woodstox's defaults do in VP's parser: without them a head within
// MaxHead still costs a stack of 100,000 elements or an attribute list
// of 50,000 entries before anything is rejected.
const (
	maxDepth = 1000
	maxAttrs = 1000
)

// maxBindings bounds the namespace declarations in scope at once. Every
// prefix lookup walks them, so without a bound a head of many declarations
// and many elements costs quadratic time. Real messages have a dozen.
const maxBindings = 256

const (
	xmlNS   = "http://www.w3.org/XML/1998/namespace"
	xmlnsNS = "http://www.w3.org/2000/xmlns/"
)

// sameAttr reports whether two attributes have the same qualified name or,
// through prefixes bound to one URI, the same expanded name: both are
// errors in XML with namespaces.
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
