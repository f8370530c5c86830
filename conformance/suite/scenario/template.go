package scenario

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"strings"
)

// Template placeholder delimiters: {{XPath}}. XPath 1.0 has no braces, so
// they cannot clash with an expression (a literal "{{" in the answer is
// written {{'{{'}}).
const (
	placeholderOpen  = "{{"
	placeholderClose = "}}"
)

// Template is a response envelope whose placeholders are filled from the
// request (respond.template): each {{XPath}} becomes the XML-escaped value
// of an XPath 1.0 expression over the request envelope, with the suite's
// namespace prefixes.
type Template struct {
	Name         string // the file, relative to the suite directory
	Placeholders []Placeholder
	text         [][]byte // literal text around the placeholders: len(Placeholders)+1 pieces
}

// Placeholder is one {{XPath}} of a template.
type Placeholder struct {
	XPath string // trimmed
	Line  int    // where it starts in the file
}

func (p Placeholder) String() string {
	return fmt.Sprintf("%s%s%s (line %d)", placeholderOpen, p.XPath, placeholderClose, p.Line)
}

// ParseTemplate splits a template file into literal text and placeholders.
// A "}}" inside an XPath string literal does not close the placeholder.
func ParseTemplate(name string, data []byte) (*Template, error) {
	t := &Template{Name: name}
	rest, line := data, 1
	for {
		i := bytes.Index(rest, []byte(placeholderOpen))
		if i < 0 {
			t.text = append(t.text, rest)
			return t, nil
		}
		t.text = append(t.text, rest[:i])
		line += bytes.Count(rest[:i], []byte("\n"))
		expr := rest[i+len(placeholderOpen):]
		end := closing(expr)
		if end < 0 {
			return nil, fmt.Errorf("%s line %d: %s without %s", name, line, placeholderOpen, placeholderClose)
		}
		x := strings.TrimSpace(string(expr[:end]))
		if x == "" {
			return nil, fmt.Errorf("%s line %d: empty placeholder %s%s", name, line, placeholderOpen, placeholderClose)
		}
		t.Placeholders = append(t.Placeholders, Placeholder{XPath: x, Line: line})
		line += bytes.Count(expr[:end], []byte("\n"))
		rest = expr[end+len(placeholderClose):]
	}
}

// closing is the offset of the "}}" that ends a placeholder's expression,
// skipping XPath string literals; -1 when there is none.
func closing(expr []byte) int {
	var quote byte
	for i := 0; i < len(expr); i++ {
		switch c := expr[i]; {
		case quote != 0:
			if c == quote {
				quote = 0
			}
		case c == '\'' || c == '"':
			quote = c
		case bytes.HasPrefix(expr[i:], []byte(placeholderClose)):
			return i
		}
	}
	return -1
}

// Render writes the template with values[i], XML-escaped, in place of
// placeholder i (so a value is safe in element text and attribute values).
// values has one entry per placeholder.
func (t *Template) Render(values []string) ([]byte, error) {
	if len(values) != len(t.Placeholders) {
		return nil, fmt.Errorf("%s: %d value(s) for %d placeholder(s)", t.Name, len(values), len(t.Placeholders))
	}
	var b bytes.Buffer
	for i, lit := range t.text {
		b.Write(lit)
		if i < len(values) {
			_ = xml.EscapeText(&b, []byte(values[i])) // a bytes.Buffer does not fail
		}
	}
	return b.Bytes(), nil
}

// Template reads and parses a template file named in the suite.
func (s *Suite) Template(name string) (*Template, error) {
	data, err := s.ReadFile(name)
	if err != nil {
		return nil, err
	}
	return ParseTemplate(name, data)
}
