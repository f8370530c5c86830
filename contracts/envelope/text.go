package envelope

import (
	"bytes"
	"encoding/binary"
	"strconv"
	"unicode/utf8"
)

// isChar reports whether r is an XML 1.0 Char.
func isChar(r rune) bool {
	return r == 0x9 || r == 0xA || r == 0xD || r >= 0x20 && r <= 0xD7FF ||
		r >= 0xE000 && r <= 0xFFFD || r >= 0x10000 && r <= 0x10FFFF
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
