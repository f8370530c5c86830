package envelope

import (
	"bytes"
	"unicode/utf8"

	"golang.org/x/text/encoding/charmap"
)

// detect looks at the first bytes (XML 1.0 appendix F): a BOM, or the
// pattern of "<?" in UTF-16, decides how the rest is read.
func (s *scanner) detect() error {
	s.need(4)
	b := s.buf[s.pos:min(s.pos+4, len(s.buf))]
	has := func(p string) bool { return bytes.HasPrefix(b, []byte(p)) }
	switch {
	case has("\xEF\xBB\xBF"):
		s.pos += 3
	case has("\x00\x00\xFE\xFF"), has("\xFF\xFE\x00\x00"), has("\x00\x00\x00<"), has("<\x00\x00\x00"):
		return s.errAt(s.pos, ErrUnsupportedCharset, "UTF-32 is not supported")
	case has("\x4C\x6F\xA7\x94"):
		return s.errAt(s.pos, ErrUnsupportedCharset, "EBCDIC is not supported")
	case has("\xFE\xFF"):
		s.start16(modeUTF16BE, s.pos+2)
	case has("\xFF\xFE"):
		s.start16(modeUTF16LE, s.pos+2)
	case has("\x00<"): // a NUL is never XML, so this is UTF-16 without a BOM
		s.start16(modeUTF16BE, s.pos)
	case has("<\x00"):
		s.start16(modeUTF16LE, s.pos)
	}
	return nil
}

// start16 switches to reading UTF-16 from raw offset at.
func (s *scanner) start16(mode encMode, at int) {
	s.mode = mode
	s.charset = "UTF-16LE"
	if mode == modeUTF16BE {
		s.charset = "UTF-16BE"
	}
	s.decStart, s.dec = at, at
	s.buf = make([]byte, 0, min(max(256, len(s.raw)-at), readChunk))
	s.pos = 0
	s.decode16()
}

// decode16 transcodes up to readChunk bytes of raw not yet decoded into
// buf, whole code units only, so the cost of a sniff does not grow with the
// body even when the whole message is in memory.
func (s *scanner) decode16() {
	raw := s.raw
	i := s.dec
	end := min(len(raw), i+readChunk)
	unit := func(j int) rune {
		if s.mode == modeUTF16LE {
			return rune(raw[j]) | rune(raw[j+1])<<8
		}
		return rune(raw[j])<<8 | rune(raw[j+1])
	}
	short := false // stopped for want of bytes
loop:
	for i < end {
		if i+1 >= len(raw) {
			short = true
			break
		}
		u := unit(i)
		switch {
		case u >= 0xD800 && u < 0xDC00:
			if i+3 >= len(raw) {
				short = true
				break loop // wait for the low surrogate
			}
			u2 := unit(i + 2)
			if u2 < 0xDC00 || u2 >= 0xE000 {
				s.decErr = "invalid UTF-16: high surrogate without low surrogate"
				break loop
			}
			s.buf = utf8.AppendRune(s.buf, 0x10000+(u-0xD800)<<10+(u2-0xDC00))
			i += 4
		case u >= 0xDC00 && u < 0xE000:
			s.decErr = "invalid UTF-16: low surrogate without high surrogate"
			break loop
		default:
			s.buf = utf8.AppendRune(s.buf, u)
			i += 2
		}
	}
	s.dec = i
	if short && s.eof && s.decErr == "" && (s.r == nil || s.rerr == nil) {
		s.decErr = "truncated UTF-16 input"
	}
}

// xmlDecl scans <?xml version="1.x" encoding="..." standalone="..."?> at
// s.pos and settles the encoding.
func (s *scanner) xmlDecl() error {
	start := s.pos
	close := s.find(start+5, "?>")
	if close < 0 {
		return s.eofErr("XML declaration is not closed")
	}
	p := start + 5
	seen := 0 // 1 version, 2 encoding, 3 standalone
	for {
		q := s.skipSpace(p)
		if q == close {
			break
		}
		if q == p {
			return s.unexpected(q, "white space in the XML declaration")
		}
		end, _, err := s.name(q)
		if err != nil {
			return err
		}
		key := s.buf[q:end]
		r := s.skipSpace(end)
		if r >= close || s.buf[r] != '=' {
			return s.unexpected(r, "'=' in the XML declaration")
		}
		r = s.skipSpace(r + 1)
		if r >= close || s.buf[r] != '"' && s.buf[r] != '\'' {
			return s.unexpected(r, "a quoted value in the XML declaration")
		}
		vEnd := bytes.IndexByte(s.buf[r+1:close], s.buf[r])
		if vEnd < 0 {
			return s.errAt(r, nil, "value in the XML declaration is not closed")
		}
		v := s.buf[r+1 : r+1+vEnd]
		switch {
		case string(key) == "version" && seen == 0:
			if len(v) < 3 || v[0] != '1' || v[1] != '.' || !allDigits(v[2:]) {
				return s.errAt(r+1, nil, "XML version %q is not 1.x", v)
			}
			seen = 1
		case string(key) == "encoding" && seen == 1:
			if err := s.setEncoding(v, r+1); err != nil {
				return err
			}
			seen = 2
		case string(key) == "standalone" && seen >= 1 && seen < 3:
			if string(v) != "yes" && string(v) != "no" {
				return s.errAt(r+1, nil, "standalone must be \"yes\" or \"no\", not %q", v)
			}
			seen = 3
		case seen == 0:
			return s.errAt(q, nil, "the XML declaration must start with version")
		default:
			return s.errAt(q, nil, "unexpected %q in the XML declaration", key)
		}
		p = r + 2 + vEnd
	}
	if seen == 0 {
		return s.errAt(start, nil, "the XML declaration has no version")
	}
	s.pos = close + 2
	return nil
}

func allDigits(b []byte) bool {
	for _, c := range b {
		if c < '0' || c > '9' {
			return false
		}
	}
	return len(b) > 0
}

// setEncoding records the declared encoding and, for byte-oriented input,
// decides how to read it. A UTF-16 declaration on bytes that are not UTF-16
// is read as UTF-8, as VP does after its first parse fails.
func (s *scanner) setEncoding(v []byte, at int) error {
	a := len(s.arena)
	s.arena = append(s.arena, v...)
	s.declared = rng{a, len(s.arena)}
	if s.mode >= modeUTF16LE {
		return nil // the byte pattern already said UTF-16
	}
	is := func(names ...string) bool {
		for _, n := range names {
			if bytes.EqualFold(v, []byte(n)) {
				return true
			}
		}
		return false
	}
	switch {
	case is("UTF-8", "UTF8", "US-ASCII", "ASCII", "UTF-16", "UTF-16LE", "UTF-16BE", "UTF16", "UNICODE"):
		// read as UTF-8
	case is("ISO-8859-1", "ISO8859-1", "ISO_8859-1", "LATIN1", "L1", "CP819", "IBM819"):
		s.mode, s.charset = modeSingle, "ISO-8859-1"
	case is("ISO-8859-15", "ISO8859-15", "ISO_8859-15", "LATIN-9", "LATIN9"):
		s.mode, s.charset = modeSingle, "ISO-8859-15"
	case is("WINDOWS-1252", "CP1252", "CP-1252"):
		s.mode, s.charset = modeSingle, "windows-1252"
	default:
		return s.errAt(at, ErrUnsupportedCharset, "encoding %q is not supported (UTF-8, UTF-16, US-ASCII, ISO-8859-1, ISO-8859-15 and windows-1252 are)", v)
	}
	return nil // the bytes before the declaration are ASCII, so nothing scanned so far changes
}

// decodeSingle converts text read in a single-byte charset to UTF-8.
func decodeSingle(charset, v string) string {
	ascii := true
	for i := 0; i < len(v); i++ {
		if v[i] >= utf8.RuneSelf {
			ascii = false
			break
		}
	}
	if ascii {
		return v
	}
	cm := charmap.ISO8859_1
	switch charset {
	case "ISO-8859-15":
		cm = charmap.ISO8859_15
	case "windows-1252":
		cm = charmap.Windows1252
	}
	out, err := cm.NewDecoder().String(v)
	if err != nil {
		return v // these charmaps map every byte; cannot happen
	}
	return out
}
