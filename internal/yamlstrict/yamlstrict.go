// Package yamlstrict decodes the files people write (the gateway's
// gateway.yaml and TAK catalogues; the conformance suites, scenarios,
// risk.yaml, activities.yaml, decision.yaml) strictly and safely with
// github.com/goccy/go-yaml: every unknown field is found, in document
// order, so the same file always gives the same errors (the decoder's own
// strict mode reports one unknown field, chosen by map order); and a panic
// of the parser or decoder on hostile input is an error, not a crash (the
// loaders' fuzz tests found both). Decode does all of it and places every
// failure as an *Error naming the file, line and field; DecodeProblems
// gives the same problems unformatted, for a caller with an error form of
// its own. Value types place their own errors with UnmarshalScalar, as
// Duration does.
package yamlstrict

import (
	"encoding"
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"unicode"

	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/parser"
)

// OneLine makes a key or message from a hostile file fit one error line:
// with a line break or another control character it is quoted.
func OneLine(s string) string {
	if strings.ContainsFunc(s, unicode.IsControl) {
		return strconv.Quote(s)
	}
	return s
}

// Problem is one thing wrong with a file, placed: an unknown field, or a
// syntax, type or value error.
type Problem struct {
	Line, Column int    // 1-based; 0 when the problem is not at one place
	Field        string // the key as written; "" when none is known
	Msg          string // without the place
	// Unknown: Field is a key the target type has no field for.
	Unknown bool
}

// maxProblems bounds how many unknown fields one file reports.
const maxProblems = 20

// Parse parses data into its syntax tree; a parser panic is an error.
func Parse(data []byte) (f *ast.File, err error) {
	defer func() {
		if r := recover(); r != nil {
			f, err = nil, fmt.Errorf("the YAML parser failed on this input: %v", r)
		}
	}()
	return parser.ParseBytes(data, 0)
}

// decodeNode decodes a document body strictly (unknown fields and
// duplicate keys are errors) into v; a decoder panic is an error.
func decodeNode(body ast.Node, v any) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("the YAML decoder failed on this input: %v", r)
		}
	}()
	return yaml.NodeToValue(body, v, yaml.DisallowUnknownField(), yaml.Strict())
}

// Find returns the node at a YAML path ("$.listen.https",
// "$.steps[2].respond") in f, or nil when the path is malformed or names
// nothing there (f nil included).
func Find(f *ast.File, path string) ast.Node {
	if f == nil {
		return nil
	}
	p, err := yaml.PathString(path)
	if err != nil {
		return nil
	}
	n, err := p.FilterFile(f)
	if err != nil {
		return nil
	}
	return n
}

// UnknownFields lists the mapping keys in f that v's type has no yaml
// field for, in document order (at most maxProblems).
func UnknownFields(f *ast.File, v any) (out []Problem) {
	defer func() {
		// The tree of a hostile file may hold what the walk does not
		// expect; the decoder reports such files anyway.
		if r := recover(); r != nil {
			out = nil
		}
	}()
	t := reflect.TypeOf(v)
	w := &walker{}
	for _, doc := range f.Docs {
		if doc != nil {
			w.node(doc.Body, t, 0)
		}
	}
	return w.out
}

type walker struct{ out []Problem }

var textUnmarshaler = reflect.TypeFor[encoding.TextUnmarshaler]()

// maxDepth bounds the walk (anchors and aliases cannot make it loop: an
// alias is not followed).
const maxDepth = 64

func (w *walker) node(n ast.Node, t reflect.Type, depth int) {
	if n == nil || t == nil || depth > maxDepth || len(w.out) >= maxProblems {
		return
	}
	for t.Kind() == reflect.Pointer {
		if reflect.PointerTo(t).Implements(textUnmarshaler) || t.Implements(textUnmarshaler) {
			return
		}
		t = t.Elem()
	}
	if reflect.PointerTo(t).Implements(textUnmarshaler) {
		return
	}
	switch n := n.(type) {
	case *ast.TagNode:
		w.node(n.Value, t, depth+1)
		return
	case *ast.AnchorNode:
		w.node(n.Value, t, depth+1)
		return
	case *ast.AliasNode, *ast.DocumentNode:
		return
	}
	switch t.Kind() {
	case reflect.Struct:
		for _, mv := range mappingValues(n) {
			key := keyName(mv.Key)
			if key == "<<" {
				continue
			}
			ft, ok := fieldType(t, key)
			if !ok {
				line, col := 0, 0
				if tk := mv.Key.GetToken(); tk != nil && tk.Position != nil {
					line, col = tk.Position.Line, tk.Position.Column
				}
				w.out = append(w.out, Problem{Line: line, Column: col, Field: key, Msg: fmt.Sprintf("unknown field %q", key), Unknown: true})
				if len(w.out) >= maxProblems {
					return
				}
				continue
			}
			w.node(mv.Value, ft, depth+1)
		}
	case reflect.Map:
		for _, mv := range mappingValues(n) {
			w.node(mv.Value, t.Elem(), depth+1)
		}
	case reflect.Slice, reflect.Array:
		if seq, ok := n.(*ast.SequenceNode); ok {
			for _, v := range seq.Values {
				w.node(v, t.Elem(), depth+1)
			}
		}
	}
}

// mappingValues are the key/value pairs of a mapping node.
func mappingValues(n ast.Node) []*ast.MappingValueNode {
	switch n := n.(type) {
	case *ast.MappingNode:
		return n.Values
	case *ast.MappingValueNode:
		return []*ast.MappingValueNode{n}
	}
	return nil
}

func keyName(k ast.MapKeyNode) string {
	if k == nil {
		return ""
	}
	if tk := k.GetToken(); tk != nil {
		return tk.Value
	}
	return k.String()
}

// fieldType finds the struct field whose yaml name is key.
func fieldType(t reflect.Type, key string) (reflect.Type, bool) {
	for i := range t.NumField() {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		name, opts, _ := strings.Cut(f.Tag.Get("yaml"), ",")
		if name == "-" {
			continue
		}
		if strings.Contains(opts, "inline") {
			if ft, ok := fieldType(f.Type, key); ok {
				return ft, true
			}
			continue
		}
		if name == "" {
			name = strings.ToLower(f.Name)
		}
		if name == key {
			return f.Type, true
		}
	}
	return nil, false
}
