package envelope

import (
	"fmt"
	"slices"

	"github.com/rivgate/rivgate/contracts/rivta"
)

// RewriteProfile translates the receiver header of a message between RIV-TA
// profiles, as VP does when the producer's profile in TAK differs from the
// consumer's: 2.0 -> 2.1 turns every wsa:To in the Header into
//
//	<LogicalAddress xmlns="urn:riv:itintegration:registry:1">same text</LogicalAddress>
//
// and 2.1 -> 2.0 turns LogicalAddress into To in
// http://www.w3.org/2005/08/addressing. head and info are what Sniff
// returned; the result replaces head, and the bytes after head are
// untouched, so the body still streams. The body child moves by
// len(result)-len(head) bytes.
//
// The new element declares its namespace itself as the default namespace,
// so it is well-formed wherever the old prefix was declared (Envelope,
// Header or the element). Other attributes and declarations of the old
// start tag are kept (an old default namespace declaration is replaced),
// and the element's content is copied byte for byte. Declarations of the
// old namespace on Envelope or Header are left alone: unlike VP, which
// rewrites them, this cannot change the meaning of other elements that use
// the same prefix.
//
// When info.Profile equals to, head is returned as it is. An info without a
// profile gives ErrNoProfile (VP001); a profile other than RIVTABP20 or
// RIVTABP21 on either side gives ErrUnsupportedProfile (VP005).
func RewriteProfile(head []byte, info *Info, to rivta.Profile) ([]byte, error) {
	if info == nil {
		return nil, fmt.Errorf("rewrite RIV-TA profile: %w", ErrNoProfile)
	}
	from := info.Profile
	switch {
	case from == "":
		return nil, fmt.Errorf("rewrite RIV-TA profile to %s: %w", to, ErrNoProfile)
	case !knownProfile(from) || !knownProfile(to):
		return nil, fmt.Errorf("rewrite RIV-TA profile %s to %s: %w", from, to, ErrUnsupportedProfile)
	case from == to:
		return head, nil
	}
	spans := info.recv
	if !spansFit(head, spans, info.Charset) {
		// An Info that Sniff did not make for these bytes: find the spans again.
		again, err := SniffBytes(head)
		if err != nil {
			return nil, fmt.Errorf("rewrite RIV-TA profile %s to %s: %w", from, to, err)
		}
		spans = again.recv
	}
	_, fromLocal := from.ReceiverElement()
	toNS, toLocal := to.ReceiverElement()
	enc := textEncoder(info.Charset)

	// Each receiver element becomes two edits, its start tag and its end
	// tag. Tags never overlap, so the edits apply in order even when one
	// receiver element sits inside another.
	type edit struct {
		at, end int
		sp      *span // start tag edit; nil for an end tag
	}
	edits := make([]edit, 0, 2*len(spans))
	for i := range spans {
		sp := &spans[i]
		if sp.local != fromLocal {
			continue
		}
		edits = append(edits, edit{sp.start, sp.tagEnd, sp})
		if !sp.selfClosing {
			edits = append(edits, edit{sp.endStart, sp.endEnd, nil})
		}
	}
	if len(edits) == 0 {
		return nil, fmt.Errorf("rewrite RIV-TA profile %s to %s: no %s element in the Header", from, to, fromLocal)
	}
	slices.SortFunc(edits, func(a, b edit) int { return a.at - b.at })

	out := make([]byte, 0, len(head)+len(edits)*(len(toNS)+len(toLocal)+16))
	last := 0
	for _, e := range edits {
		out = append(out, head[last:e.at]...)
		if sp := e.sp; sp != nil {
			out = enc(out, "<", toLocal, ` xmlns="`, toNS, `"`)
			if sp.defStart >= 0 {
				out = append(out, head[sp.nameEnd:sp.defStart]...)
				out = append(out, head[sp.defEnd:sp.tagEnd]...)
			} else {
				out = append(out, head[sp.nameEnd:sp.tagEnd]...)
			}
		} else {
			out = enc(out, "</", toLocal, ">")
		}
		last = e.end
	}
	return append(out, head[last:]...), nil
}

func knownProfile(p rivta.Profile) bool { return p == rivta.RIVTABP20 || p == rivta.RIVTABP21 }

// spansFit checks that the spans point at receiver start and end tags in
// head, so an Info that was made for other bytes is never applied blindly.
func spansFit(head []byte, spans []span, charset string) bool {
	if len(spans) == 0 {
		return false
	}
	w := 1 // bytes per ASCII character
	if charset == "UTF-16LE" || charset == "UTF-16BE" {
		w = 2
	}
	at := func(off int, s string) bool { return hasASCII(head, off, s, charset) }
	for _, sp := range spans {
		nameStart := sp.nameEnd - w*len(sp.local)
		switch {
		case sp.start < 0 || sp.start >= nameStart || sp.nameEnd > sp.tagEnd || sp.tagEnd > sp.endStart ||
			sp.endStart > sp.endEnd || sp.endEnd > len(head):
			return false
		case !at(sp.start, "<") || !at(nameStart, sp.local) || !at(sp.tagEnd-w, ">"):
			return false
		case nameStart != sp.start+w && !at(nameStart-w, ":"):
			return false
		case sp.selfClosing && (!at(sp.tagEnd-2*w, "/") || sp.endStart != sp.tagEnd || sp.endEnd != sp.tagEnd):
			return false
		case !sp.selfClosing && (!at(sp.endStart, "</") || !at(sp.endEnd-w, ">")):
			return false
		case sp.defStart >= 0 && (sp.defStart < sp.nameEnd || sp.defEnd > sp.tagEnd || sp.defStart >= sp.defEnd ||
			!at(sp.defEnd-w, `"`) && !at(sp.defEnd-w, "'")):
			return false
		}
	}
	return true
}

// hasASCII reports whether the ASCII string s is at byte offset off of b,
// in the given charset.
func hasASCII(b []byte, off int, s, charset string) bool {
	switch charset {
	case "UTF-16LE", "UTF-16BE":
		if off < 0 || off+2*len(s) > len(b) {
			return false
		}
		for i := 0; i < len(s); i++ {
			lo, hi := b[off+2*i], b[off+2*i+1]
			if charset == "UTF-16BE" {
				lo, hi = hi, lo
			}
			if lo != s[i] || hi != 0 {
				return false
			}
		}
		return true
	}
	return off >= 0 && off+len(s) <= len(b) && string(b[off:off+len(s)]) == s
}

// textEncoder returns a function appending ASCII markup in the message's
// charset.
func textEncoder(charset string) func(dst []byte, parts ...string) []byte {
	var hi, lo bool // where the ASCII byte goes in a UTF-16 unit
	switch charset {
	case "UTF-16LE":
		lo = true
	case "UTF-16BE":
		hi = true
	default:
		return func(dst []byte, parts ...string) []byte {
			for _, p := range parts {
				dst = append(dst, p...)
			}
			return dst
		}
	}
	return func(dst []byte, parts ...string) []byte {
		for _, p := range parts {
			for i := 0; i < len(p); i++ {
				if lo {
					dst = append(dst, p[i], 0)
				} else if hi {
					dst = append(dst, 0, p[i])
				}
			}
		}
		return dst
	}
}
