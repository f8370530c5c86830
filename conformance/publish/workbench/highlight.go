package workbench

import (
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strings"

	"github.com/beevik/etree"

	"github.com/rivgate/rivgate/conformance/results/result"
	"github.com/rivgate/rivgate/contracts/msgcheck"
)

// bodyLine is one line of a shown body; Mark when a failed check points
// at it, Anchor (on the first line of a marked element or line) what the
// check links to, Also the anchors of other elements starting on it.
type bodyLine struct {
	Text   string
	Mark   bool
	Anchor string
	Also   []string
}

var anchorUnsafe = regexp.MustCompile(`[^A-Za-z0-9_.-]+`)

// anchorID is the id a location's mark has on an exchange's page, the
// same from the run page's links: at-Envelope-Header-To-2 for
// /Envelope/Header/To[2], line-N for a line alone, hdr-NAME for a header.
func anchorID(loc result.Location) string {
	switch {
	case loc.Element != "":
		return "at" + strings.TrimSuffix(anchorUnsafe.ReplaceAllString(loc.Element, "-"), "-")
	case loc.Line > 0:
		return fmt.Sprintf("line-%d", loc.Line)
	}
	return "hdr-" + strings.ToLower(anchorUnsafe.ReplaceAllString(loc.Header, "-"))
}

// located is where a failed check points in the shown request: link
// targets by location, made by showRequest.
type located struct {
	elements map[string]string // element path -> anchor
	lines    map[int]string    // body line -> anchor (a body shown as recorded)
	headers  map[string]string // canonical header name -> anchor
}

// href is the link a check's location gets, "" when it is not shown.
func (l located) href(loc result.Location) string {
	if a, ok := l.elements[loc.Element]; ok && loc.Element != "" {
		return "#" + a
	}
	if a, ok := l.lines[loc.Line]; ok && loc.Line > 0 {
		return "#" + a
	}
	if a, ok := l.headers[http.CanonicalHeaderKey(loc.Header)]; ok && loc.Header != "" {
		return "#" + a
	}
	return ""
}

// locationText names a location for a reader.
func locationText(loc result.Location) string {
	switch {
	case loc.Element != "" && loc.Line > 0:
		return fmt.Sprintf("%s (line %d)", loc.Element, loc.Line)
	case loc.Element != "":
		return loc.Element
	case loc.Line > 0:
		return fmt.Sprintf("line %d", loc.Line)
	}
	return "header " + loc.Header
}

// showRequest pretty-prints a request body with the elements (or, when it
// is not XML, the lines) the checks' locations name marked, and says which
// anchors the marks and the named headers the request has get.
func showRequest(body []byte, header http.Header, checks []result.Check) ([]bodyLine, located) {
	l := located{elements: map[string]string{}, lines: map[int]string{}, headers: map[string]string{}}
	var paths []string
	var lines []int
	for _, c := range checks {
		for _, w := range c.Where {
			if w.Element != "" && !slices.Contains(paths, w.Element) {
				paths = append(paths, w.Element)
			}
			if w.Line > 0 && !slices.Contains(lines, w.Line) {
				lines = append(lines, w.Line)
			}
			if _, sent := header[http.CanonicalHeaderKey(w.Header)]; sent && w.Header != "" {
				l.headers[http.CanonicalHeaderKey(w.Header)] = anchorID(result.Location{Header: w.Header})
			}
		}
	}
	if out, ok := prettyMarked(body, paths, l.elements); ok {
		return out, l
	}
	out := splitLines(string(body))
	for _, n := range lines {
		if n <= len(out) {
			out[n-1].Mark, out[n-1].Anchor = true, anchorID(result.Location{Line: n})
			l.lines[n] = out[n-1].Anchor
		}
	}
	return out, l
}

// pretty indents an XML body; anything else (or broken XML) is shown as
// it is.
func pretty(b []byte) []bodyLine {
	if out, ok := prettyMarked(b, nil, nil); ok {
		return out
	}
	return splitLines(string(b))
}

func splitLines(s string) []bodyLine {
	s = strings.TrimSuffix(s, "\n")
	if s == "" {
		return nil
	}
	parts := strings.Split(s, "\n")
	out := make([]bodyLine, len(parts))
	for i, p := range parts {
		out[i].Text = p
	}
	return out
}

// prettyMarked indents an XML body and marks the lines of the elements at
// paths (msgcheck.ElementPath), recording each found element's anchor in
// anchors; ok is false when the body is not XML. Each marked element is
// framed by comments whose text is a fresh nonce before indenting, so its
// lines are found in the output whatever the indenting does; the comments
// are not shown.
func prettyMarked(b []byte, paths []string, anchors map[string]string) (out []bodyLine, ok bool) {
	doc, err := msgcheck.ParseDocument(b)
	if err != nil {
		return nil, false
	}
	nonce := randomHex(16)
	var marked []string // paths of the marked elements, by their number in the comments
	if len(paths) > 0 {
		var els []*etree.Element
		walk(doc.Root(), func(el *etree.Element) {
			if slices.Contains(paths, msgcheck.ElementPath(el)) {
				els = append(els, el)
			}
		})
		for i, el := range els {
			marked = append(marked, msgcheck.ElementPath(el))
			p, at := el.Parent(), el.Index()
			p.InsertChildAt(at+1, etree.NewComment(nonce+"-end"))
			p.InsertChildAt(at, etree.NewComment(fmt.Sprintf("%s-begin-%d", nonce, i)))
		}
	}
	doc.Indent(2)
	s, err := doc.WriteToString()
	if err != nil {
		return nil, false
	}
	depth := 0
	var pending []string // marked elements whose first line is next
	for _, line := range splitLines(s) {
		t := strings.TrimSpace(line.Text)
		if rest, ok := strings.CutPrefix(t, "<!--"+nonce+"-begin-"); ok {
			depth++
			var i int
			if _, err := fmt.Sscanf(rest, "%d-->", &i); err == nil && i < len(marked) {
				pending = append(pending, marked[i])
			}
			continue
		}
		if t == "<!--"+nonce+"-end-->" {
			depth--
			continue
		}
		line.Mark = depth > 0
		for i, p := range pending {
			id := anchorID(result.Location{Element: p})
			anchors[p] = id
			if i == 0 {
				line.Anchor = id
			} else {
				line.Also = append(line.Also, id) // another element starting on this line
			}
		}
		pending = nil
		out = append(out, line)
	}
	return out, true
}

// walk calls f on el and every element under it, in document order.
func walk(el *etree.Element, f func(*etree.Element)) {
	f(el)
	for _, c := range el.ChildElements() {
		walk(c, f)
	}
}
