package envelope

import (
	"sort"
	"unicode/utf8"

	"github.com/rivgate/rivgate/contracts/rivta"
)

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

// block is an Info with room for the usual handful of headers and
// receiver spans: one allocation, or none when a Storage holds it.
type block struct {
	info    Info
	headers [4]HeaderElement
	spans   [2]span
}

// result builds the Info in bl (nil: a new one): one allocation for Info
// with room for the usual handful of headers, one for all its strings.
func (s *scanner) result(bl *block) *Info {
	if bl == nil {
		bl = new(block)
	} else {
		*bl = block{}
	}
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
