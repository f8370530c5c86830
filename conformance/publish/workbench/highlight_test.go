package workbench

import (
	"net/http"
	"strings"
	"testing"

	"github.com/rivgate/rivgate/conformance/results/result"
)

const highlightBody = `<?xml version="1.0"?>
<e:Envelope xmlns:e="http://schemas.xmlsoap.org/soap/envelope/"><e:Header><a:To xmlns:a="urn:a">X</a:To><a:To xmlns:a="urn:a">Y</a:To></e:Header><e:Body><b:Get xmlns:b="urn:b"><b:id>1</b:id></b:Get></e:Body></e:Envelope>`

// TestShowRequest: the elements, lines and headers the checks point at are
// marked and get the anchor the checks link to; nothing else is marked.
func TestShowRequest(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		body   string
		where  []result.Location
		marked []string // the marked lines, trimmed
		hrefs  []string // each location's link
	}{
		{"nothing located", highlightBody, nil, nil, nil},
		{"second of two siblings", highlightBody, []result.Location{{Element: "/Envelope/Header/To[2]"}},
			[]string{`<a:To xmlns:a="urn:a">Y</a:To>`}, []string{"#at-Envelope-Header-To-2"}},
		{"an element with children and a marked child", highlightBody,
			[]result.Location{{Element: "/Envelope/Body/Get"}, {Element: "/Envelope/Body/Get/id"}},
			[]string{`<b:Get xmlns:b="urn:b">`, `<b:id>1</b:id>`, `</b:Get>`}, []string{"#at-Envelope-Body-Get", "#at-Envelope-Body-Get-id"}},
		{"an element not in the body", highlightBody, []result.Location{{Element: "/Envelope/Nope"}}, nil, []string{""}},
		{"a line of a body that is not XML", "line one\n<broken\nline three", []result.Location{{Line: 2}},
			[]string{"<broken"}, []string{"#line-2"}},
		{"a header", highlightBody, []result.Location{{Header: "content-type"}}, nil, []string{"#hdr-content-type"}},
		{"a header not sent", highlightBody, []result.Location{{Header: "SOAPAction"}}, nil, []string{""}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			lines, where := showRequest([]byte(tc.body), http.Header{"Content-Type": {"text/xml"}}, []result.Check{{Where: tc.where}})
			var marked []string
			anchors := map[string]bool{}
			for _, l := range lines {
				if strings.Contains(l.Text, "rivgate") || strings.Contains(l.Text, "<!--") {
					t.Errorf("a framing comment is shown: %q", l.Text)
				}
				if l.Mark {
					marked = append(marked, strings.TrimSpace(l.Text))
				}
				if l.Anchor != "" {
					anchors["#"+l.Anchor] = true
				}
				for _, a := range l.Also {
					anchors["#"+a] = true
				}
			}
			if strings.Join(marked, "\n") != strings.Join(tc.marked, "\n") {
				t.Errorf("marked %q, want %q", marked, tc.marked)
			}
			for i, w := range tc.where {
				got := where.href(w)
				if got != tc.hrefs[i] {
					t.Errorf("%+v links to %q, want %q", w, got, tc.hrefs[i])
				}
				if got != "" && w.Header == "" && !anchors[got] {
					t.Errorf("%+v links to %s, which no line has", w, got)
				}
			}
		})
	}
}

// TestLineDiff: the common head and tail stay, the middle is the shortest
// edit, and a middle too large to compare is removed then added.
func TestLineDiff(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		a, b string
		want string
	}{
		{"same", "a b c", "a b c", " a  b  c"},
		{"one changed", "a b c", "a x c", " a -b +x  c"},
		{"added and removed", "a b c d", "a c d e", " a -b  c  d +e"},
		{"all new", "a", "b", "-a +b"},
		{"empty recorded", "", "a", "+a"},
	}
	fields := func(s string) []string {
		if s == "" {
			return nil
		}
		return strings.Fields(s)
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var got []string
			for _, l := range lineDiff(fields(tc.a), fields(tc.b)) {
				got = append(got, l.Op+l.Text)
			}
			if strings.Join(got, " ") != tc.want {
				t.Errorf("%q", strings.Join(got, " "))
			}
		})
	}
}
