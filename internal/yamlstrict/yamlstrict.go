// Package yamlstrict decodes the files people write (the gateway's
// gateway.yaml and TAK catalogues; the conformance suites, scenarios,
// risk.yaml, activities.yaml, decision.yaml) strictly and safely with
// github.com/goccy/go-yaml: every unknown field and every bad value is
// found in one run, in document order, so the same file always gives the
// same errors and no problem hides another (the decoder's own strict mode
// reports one unknown field, chosen by map order, and stops at the first
// bad value); an unknown field near a known one says which was meant
// (Suggest); and a panic of the parser or decoder on hostile input is an
// error, not a crash (the loaders' fuzz tests found both). Decode does all
// of it and places every failure as an *Error naming the file, line and
// field; DecodeProblems gives the same problems unformatted, for a caller
// with an error form and checks of its own; Place puts a caller's own
// problem at its key, or a missing key at its section. Value types place
// their own errors with UnmarshalScalar, as Duration does.
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
	"github.com/goccy/go-yaml/token"
)

// OneLine makes a key or message from a hostile file fit one error line:
// with a line break or another control character it is quoted.
func OneLine(s string) string {
	if strings.ContainsFunc(s, unicode.IsControl) {
		return strconv.Quote(s)
	}
	return s
}

// Problem is one thing wrong with a file, placed: an unknown field, a
// bad value, or a syntax or decoder error.
type Problem struct {
	Line, Column int    // 1-based; 0 when the problem is not at one place
	Field        string // the key as written; "" when none is known
	Msg          string // without the place
	// Unknown: Field is a key the target type has no field for.
	Unknown bool
	// Suggest is the known key an unknown one is a near miss of (also
	// named in Msg); "" when none is near.
	Suggest string
	// Fatal: the file could not be decoded past this problem (a syntax
	// error, a decoder failure), so the target may be partly filled and
	// checks of its values would mislead. Unknown fields and bad values
	// are not fatal: the target holds every other value.
	Fatal bool
}

// Complete reports whether the target of a decode holds every value of
// the file but the bad ones (left zero): no problem is Fatal, so the
// caller's own checks can run and be reported with the problems.
func Complete(probs []Problem) bool {
	for _, p := range probs {
		if p.Fatal {
			return false
		}
	}
	return true
}

// maxProblems bounds how many unknown fields and bad values one file
// reports.
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

// decodeNode decodes a node into v (a duplicate key is an error; opts may
// add unknown fields); a decoder panic is an error.
func decodeNode(body ast.Node, v any, opts ...yaml.DecodeOption) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("the YAML decoder failed on this input: %v", r)
		}
	}()
	return yaml.NodeToValue(body, v, opts...)
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

// check walks f against v's type and returns its problems in document
// order (at most maxProblems): every mapping key v's type has no yaml field
// for, and every value that does not decode into its field (a leaf decoded
// on its own, or a mapping or list where the type wants another shape).
// Each bad value is replaced in f by a null at its place, so decoding f
// afterwards leaves that field zero and fills all the others; positions
// found with Find stay the same.
func check(f *ast.File, v any) (out []Problem) {
	w := &walker{}
	defer func() {
		// The tree of a hostile file may hold what the walk does not
		// expect; the decoder reports such files anyway.
		if r := recover(); r != nil {
			out = w.out
		}
	}()
	t := reflect.TypeOf(v)
	for _, doc := range f.Docs {
		if doc != nil {
			w.node(doc.Body, t, 0, func(n ast.Node) { doc.Body = n })
		}
	}
	return w.out
}

type walker struct{ out []Problem }

func (w *walker) full() bool { return len(w.out) >= maxProblems }

var textUnmarshaler = reflect.TypeFor[encoding.TextUnmarshaler]()

// maxDepth bounds the walk (anchors and aliases cannot make it loop: an
// alias is not followed).
const maxDepth = 64

// node checks n against t; set replaces n in its parent (with a null, when
// n is a bad value).
func (w *walker) node(n ast.Node, t reflect.Type, depth int, set func(ast.Node)) {
	if n == nil || t == nil || depth > maxDepth || w.full() {
		return
	}
	t = deref(t)
	switch v := n.(type) {
	case *ast.TagNode:
		w.node(v.Value, t, depth+1, func(x ast.Node) { v.Value = x })
		return
	case *ast.AnchorNode:
		w.node(v.Value, t, depth+1, func(x ast.Node) { v.Value = x })
		return
	case *ast.AliasNode, *ast.DocumentNode, *ast.NullNode:
		return
	}
	if custom(t) {
		w.leaf(n, t, set)
		return
	}
	switch t.Kind() {
	case reflect.Struct:
		if !isMapping(n) {
			w.leaf(n, t, set)
			return
		}
		for _, mv := range mappingValues(n) {
			key := keyName(mv.Key)
			if key == "<<" {
				continue
			}
			ft, ok := fieldType(t, key)
			if !ok {
				w.unknown(mv.Key, key, t)
				if w.full() {
					return
				}
				continue
			}
			w.node(mv.Value, ft, depth+1, func(x ast.Node) { mv.Value = x })
		}
	case reflect.Map:
		if !isMapping(n) {
			w.leaf(n, t, set)
			return
		}
		for _, mv := range mappingValues(n) {
			w.node(mv.Value, t.Elem(), depth+1, func(x ast.Node) { mv.Value = x })
		}
	case reflect.Slice, reflect.Array:
		seq, ok := n.(*ast.SequenceNode)
		if !ok {
			w.leaf(n, t, set)
			return
		}
		for i, e := range seq.Values {
			w.node(e, t.Elem(), depth+1, func(x ast.Node) { seq.Values[i] = x })
		}
	default:
		w.leaf(n, t, set)
	}
}

// leaf decodes n on its own into a new t; when that fails the problem is
// recorded and n replaced by a null at its place. A scalar read as a
// string or as any value cannot fail and is not decoded.
func (w *walker) leaf(n ast.Node, t reflect.Type, set func(ast.Node)) {
	if _, scalar := n.(ast.ScalarNode); scalar && !custom(t) && (t.Kind() == reflect.String || t.Kind() == reflect.Interface) {
		return
	}
	err := decodeNode(n, reflect.New(t).Interface())
	if err == nil {
		return
	}
	w.out = append(w.out, locate(err))
	if tk := n.GetToken(); tk != nil && tk.Position != nil && set != nil {
		pos := *tk.Position
		set(ast.Null(token.New("null", "null", &pos)))
	}
}

// unknown records key, which t has no field for, with the known key it is
// a near miss of.
func (w *walker) unknown(k ast.MapKeyNode, key string, t reflect.Type) {
	p := Problem{Field: key, Msg: fmt.Sprintf("unknown field %q", key), Unknown: true, Suggest: Suggest(key, fieldNames(t))}
	if p.Suggest != "" {
		p.Msg += fmt.Sprintf(" (did you mean %s?)", p.Suggest)
	}
	if tk := k.GetToken(); tk != nil && tk.Position != nil {
		p.Line, p.Column = tk.Position.Line, tk.Position.Column
	}
	w.out = append(w.out, p)
}

// custom reports whether t (or *t) decodes itself: a yaml or text
// unmarshaler is a leaf, whatever its kind.
func custom(t reflect.Type) bool {
	pt := reflect.PointerTo(t)
	if _, ok := pt.MethodByName("UnmarshalYAML"); ok {
		return true
	}
	return pt.Implements(textUnmarshaler) || t.Implements(textUnmarshaler)
}

func isMapping(n ast.Node) bool {
	switch n.(type) {
	case *ast.MappingNode, *ast.MappingValueNode:
		return true
	}
	return false
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

// yamlName is the key a struct field is read from ("" for none), and
// whether its fields are inlined.
func yamlName(f reflect.StructField) (name string, inline bool) {
	if !f.IsExported() {
		return "", false
	}
	name, opts, _ := strings.Cut(f.Tag.Get("yaml"), ",")
	if name == "-" {
		return "", false
	}
	if strings.Contains(opts, "inline") {
		return "", true
	}
	if name == "" {
		name = strings.ToLower(f.Name)
	}
	return name, false
}

// fieldType finds the struct field whose yaml name is key.
func fieldType(t reflect.Type, key string) (reflect.Type, bool) {
	for i := range t.NumField() {
		f := t.Field(i)
		name, inline := yamlName(f)
		if inline {
			if ft, ok := fieldType(deref(f.Type), key); ok {
				return ft, true
			}
			continue
		}
		if name != "" && name == key {
			return f.Type, true
		}
	}
	return nil, false
}

// fieldNames are the keys a struct type reads, in field order.
func fieldNames(t reflect.Type) []string {
	var out []string
	for i := range t.NumField() {
		f := t.Field(i)
		name, inline := yamlName(f)
		switch {
		case inline:
			out = append(out, fieldNames(deref(f.Type))...)
		case name != "":
			out = append(out, name)
		}
	}
	return out
}

func deref(t reflect.Type) reflect.Type {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	return t
}

// Place places a YAML path ("$.tls.cert") in f for a message. When the
// path names a node, found is true and the place is its value's. When it
// does not (a required key left out), the place is the line of the
// mapping that should hold it: the key of the nearest parent that is
// there ("tls:"), or its entry in a list; 0 when only the document is.
func Place(f *ast.File, path string) (line, col int, found bool) {
	if n := Find(f, path); n != nil {
		if tk := n.GetToken(); tk != nil && tk.Position != nil {
			return tk.Position.Line, tk.Position.Column, true
		}
		return 0, 0, true
	}
	for p := path; ; {
		i := strings.LastIndexAny(p, ".[")
		if i <= 1 {
			return 0, 0, false
		}
		p = p[:i]
		n := Find(f, p)
		if n == nil {
			continue
		}
		tk := n.GetToken()
		// A block mapping starts at its first key (a flow one at its
		// '{'); a mapping's value is placed at its key, the token
		// before the ':'.
		switch m := n.(type) {
		case *ast.MappingValueNode:
			tk = m.Key.GetToken()
		case *ast.MappingNode:
			if !m.IsFlowStyle && len(m.Values) > 0 {
				tk = m.Values[0].Key.GetToken()
			}
		}
		if tk != nil && tk.Prev != nil && tk.Prev.Value == ":" && tk.Prev.Prev != nil {
			tk = tk.Prev.Prev
		}
		if tk == nil || tk.Position == nil {
			return 0, 0, false
		}
		return tk.Position.Line, tk.Position.Column, false
	}
}
