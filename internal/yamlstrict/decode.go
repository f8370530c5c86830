package yamlstrict

import (
	"errors"
	"fmt"
	"strings"

	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"
)

// Error is one problem in a file people write, placed so its message
// names the file, line and field.
type Error struct {
	File   string // as the user knows it
	Line   int    // 1-based; 0 when the problem is not at one place
	Column int
	Field  string // YAML path (e.g. "$.steps[2].respond.vp_fault") or key name
	Msg    string
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	if e.Line > 0 {
		fmt.Fprintf(&b, ":%d", e.Line)
		if e.Column > 0 {
			fmt.Fprintf(&b, ":%d", e.Column)
		}
	}
	if e.Field != "" {
		fmt.Fprintf(&b, ": field %s", OneLine(e.Field))
	}
	b.WriteString(": ")
	b.WriteString(OneLine(e.Msg))
	return b.String()
}

// Decode decodes data strictly into v and returns its syntax tree, so
// the caller's later checks can place their errors; name is the file as
// errors name it. A failure is every unknown field in document order (an
// *Error each, joined), or else the syntax or type error as an *Error.
func Decode(name string, data []byte, v any) (*ast.File, error) {
	f, err := Parse(data)
	if err != nil {
		return nil, yamlError(name, err)
	}
	// Every unknown field, in document order (the decoder names one).
	if probs := UnknownFields(f, v); len(probs) > 0 {
		errs := make([]error, 0, len(probs))
		for _, p := range probs {
			errs = append(errs, &Error{File: name, Line: p.Line, Column: p.Column, Field: p.Field, Msg: p.Msg})
		}
		return nil, errors.Join(errs...)
	}
	if err := Unmarshal(data, v); err != nil {
		return nil, yamlError(name, err)
	}
	return f, nil
}

// yamlError turns a go-yaml error into an *Error with line and field.
func yamlError(file string, err error) error {
	var ye yaml.Error
	if !errors.As(err, &ye) {
		return &Error{File: file, Msg: err.Error()}
	}
	e := &Error{File: file, Msg: ye.GetMessage()}
	tk := ye.GetToken()
	if tk != nil && tk.Position != nil {
		e.Line, e.Column = tk.Position.Line, tk.Position.Column
	}
	var ue *yaml.UnknownFieldError
	var te *yaml.TypeError
	switch {
	case errors.As(err, &ue) && tk != nil:
		e.Field = tk.Value
	case tk != nil && tk.Prev != nil && tk.Prev.Value == ":" && tk.Prev.Prev != nil:
		// A value: name its key (the token before the ':').
		e.Field = tk.Prev.Prev.Value
	case errors.As(err, &te) && te.StructFieldName != nil:
		e.Field = *te.StructFieldName
	}
	return e
}
