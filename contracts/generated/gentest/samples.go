package gentest

import (
	"bytes"
	"encoding/xml"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
)

// Sample is one published SOAP message whose first Body child is in the
// namespace asked for: a file of its own, or a request stored in a SoapUI
// project.
type Sample struct {
	Name string // path relative to the rivta directory; "#n" numbers the distinct requests of a SoapUI project
	Msg  []byte
	// Template: the message had SoapUI property placeholders (${...}); each
	// was replaced by its property name so the message can be parsed.
	Template bool
}

var placeholder = regexp.MustCompile(`\$\{([^}]*)\}`)

// Samples finds every published message in the rivta directory (contracts,
// samples, soapui) whose first Body child is in namespace ns.
func Samples(t testing.TB, rivta, ns string) []Sample {
	t.Helper()
	var out []Sample
	err := filepath.WalkDir(rivta, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() || !strings.HasSuffix(path, ".xml") {
			return nil
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		if !bytes.Contains(b, []byte(ns)) {
			return nil
		}
		rel, _ := filepath.Rel(rivta, path)
		rel = filepath.ToSlash(rel)
		if bytes.Contains(b[:min(len(b), 4096)], []byte("soapui-project")) {
			out = append(out, soapUIRequests(rel, b, ns)...)
			return nil
		}
		if BodyNamespace(b) == ns {
			out = append(out, Sample{Name: rel, Msg: b})
		}
		return nil
	})
	if err != nil {
		t.Fatalf("scan %s for samples: %v", rivta, err)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// soapUIRequests extracts the distinct request texts of a SoapUI project
// (the text of each con:request element that has no child elements).
func soapUIRequests(rel string, project []byte, ns string) []Sample {
	d := xml.NewDecoder(bytes.NewReader(project))
	d.Strict = false
	var out []Sample
	seen := map[string]bool{}
	var text strings.Builder
	inRequest, hasChild := false, false
	for {
		tok, err := d.Token()
		if err == io.EOF || err != nil {
			break
		}
		switch tk := tok.(type) {
		case xml.StartElement:
			if inRequest {
				hasChild = true
			}
			if tk.Name.Local == "request" {
				inRequest, hasChild = true, false
				text.Reset()
			}
		case xml.CharData:
			if inRequest {
				text.Write(tk)
			}
		case xml.EndElement:
			if tk.Name.Local != "request" || !inRequest {
				continue
			}
			inRequest = false
			s := strings.ReplaceAll(text.String(), "\r", "")
			if hasChild || !strings.Contains(s, "Envelope") || seen[s] {
				continue
			}
			seen[s] = true
			template := placeholder.MatchString(s)
			s = placeholder.ReplaceAllStringFunc(s, func(m string) string {
				return strings.Map(func(r rune) rune {
					if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' {
						return r
					}
					return -1
				}, m)
			})
			if BodyNamespace([]byte(s)) != ns {
				continue
			}
			out = append(out, Sample{Name: rel + "#" + strconv.Itoa(len(seen)), Msg: []byte(s), Template: template})
		}
	}
	return out
}

// BodyNamespace is the namespace of the first child of a SOAP Body, or ""
// when b is not such an envelope.
func BodyNamespace(b []byte) string { return BodyName(b).Space }

// BodyName is the name of the first child of a SOAP Body; zero when b is
// not such an envelope.
func BodyName(b []byte) xml.Name {
	d := xml.NewDecoder(bytes.NewReader(b))
	depth, inBody := 0, false
	for {
		tok, err := d.Token()
		if err != nil {
			return xml.Name{}
		}
		switch t := tok.(type) {
		case xml.StartElement:
			depth++
			if depth == 1 && t.Name.Local != "Envelope" {
				return xml.Name{}
			}
			if depth == 2 && t.Name.Local == "Body" {
				inBody = true
			}
			if depth == 3 && inBody {
				return t.Name
			}
		case xml.EndElement:
			depth--
		}
	}
}

// Receiver returns the receiver header of an envelope: the text of
// LogicalAddress (any namespace) or wsa:To, and whether it was To.
func Receiver(b []byte) (value string, wsaTo bool, ok bool) {
	d := xml.NewDecoder(bytes.NewReader(b))
	depth, inHeader := 0, false
	for {
		tok, err := d.Token()
		if err != nil {
			return "", false, false
		}
		switch t := tok.(type) {
		case xml.StartElement:
			depth++
			if depth == 2 && t.Name.Local == "Header" {
				inHeader = true
			}
			if depth == 3 && inHeader && (t.Name.Local == "LogicalAddress" || t.Name.Local == "To") {
				var v string
				if err := d.DecodeElement(&v, &t); err != nil {
					return "", false, false
				}
				return v, t.Name.Local == "To", true
			}
		case xml.EndElement:
			if depth == 2 && inHeader {
				inHeader = false
			}
			depth--
		}
	}
}
