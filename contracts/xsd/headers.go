package xsd

import (
	"errors"
	"fmt"

	"github.com/rivgate/rivgate/contracts"
	"github.com/rivgate/rivgate/contracts/internal/xmltext"
)

// HeaderResult is one header element an operation's WSDL declares, as a
// message carries it.
type HeaderResult struct {
	Element contracts.QName
	// Count is how many times the SOAP Header holds the element.
	Count int
	// Problems are the schema problems of its occurrences, at their
	// positions in the message.
	Problems []Problem
	// Unvalidated says why the element was not validated (no schema the
	// WSDL imports declares it, no validator); "" when it was, or is
	// missing.
	Unvalidated string
	// Elsewhere lists header elements with the element's local name in
	// another namespace: the likely mistake when it is missing.
	Elsewhere []contracts.QName
}

// Missing reports whether the message lacks the element.
func (r HeaderResult) Missing() bool { return r.Count == 0 }

// ValidateHeaders finds, in the SOAP envelope msg, each header element the
// WSDL declares for op besides the receiver (op.HeaderElements) and
// validates every occurrence against its schema with v (nil: presence
// only). Each element stands alone with the namespace declarations in
// scope where it stood, as ValidateMessage does for the body. An error
// means msg is not an envelope whose head can be read.
func ValidateHeaders(v Validator, op contracts.Operation, msg []byte) ([]HeaderResult, error) {
	want := op.HeaderElements()
	if len(want) == 0 {
		return nil, nil
	}
	text, err := xmltext.ToUTF8(msg)
	if err != nil {
		return nil, err
	}
	_, heads, prob := extract(text.Data, true)
	if prob != nil {
		return nil, fmt.Errorf("line %d: %s", prob.Line, prob.Message)
	}
	out := make([]HeaderResult, 0, len(want))
	for _, q := range want {
		r := HeaderResult{Element: q}
		for _, h := range heads {
			switch {
			case h.local != q.Local:
			case h.ns != q.Space:
				r.Elsewhere = append(r.Elsewhere, contracts.QName{Space: h.ns, Local: h.local})
			case v == nil:
				r.Count++
				r.Unvalidated = "no XSD validator configured"
			default:
				r.Count++
				probs, err := v.Validate(h.ns, h.doc)
				if errors.Is(err, ErrUnknownNamespace) {
					r.Unvalidated = "no schema the WSDL imports declares it"
					continue
				}
				if err != nil {
					return nil, fmt.Errorf("header %s: %w", q, err)
				}
				for _, p := range probs {
					line, col := h.position(p.Line, p.Column)
					p.Line, p.Column = line, text.Column(line, col)
					r.Problems = append(r.Problems, p)
				}
			}
		}
		out = append(out, r)
	}
	return out, nil
}
