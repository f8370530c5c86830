package yamlstrict

import (
	"errors"
	"fmt"
	"strings"

	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/token"
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
// *Error each, joined), or else the syntax, type or value error as an
// *Error.
func Decode(name string, data []byte, v any) (*ast.File, error) {
	f, probs := DecodeProblems(data, v)
	if len(probs) > 0 {
		return nil, Join(name, probs)
	}
	return f, nil
}

// Join makes problems in file one error of *Errors, as Decode returns
// them: unknown fields joined (even one), any other problem on its own.
func Join(file string, probs []Problem) error {
	errs := make([]error, 0, len(probs))
	for _, p := range probs {
		errs = append(errs, &Error{File: file, Line: p.Line, Column: p.Column, Field: p.Field, Msg: p.Msg})
	}
	if len(errs) == 1 && !probs[0].Unknown {
		return errs[0]
	}
	return errors.Join(errs...)
}

// DecodeProblems is Decode for a caller with an error form of its own: it
// parses data once and decodes its first document strictly into v. The
// problems are every unknown field in document order, or else the one
// syntax, type or value error (a panic of go-yaml included); none when v
// is filled. The tree, for placing the problems, is nil only when data
// does not parse.
func DecodeProblems(data []byte, v any) (*ast.File, []Problem) {
	f, err := Parse(data)
	if err != nil {
		return nil, []Problem{locate(err)}
	}
	if probs := UnknownFields(f, v); len(probs) > 0 {
		return f, probs
	}
	if len(f.Docs) > 0 && f.Docs[0] != nil && f.Docs[0].Body != nil {
		if err := decodeNode(f.Docs[0].Body, v); err != nil {
			return f, []Problem{locate(err)}
		}
	}
	return f, nil
}

// locate places err, a go-yaml error or a value's *valueError: its line
// and column, the key it concerns, and its message without the place. Any
// other error is its message alone.
func locate(err error) Problem {
	var ve *valueError
	if errors.As(err, &ve) {
		p := Problem{Msg: ve.err.Error(), Field: keyBefore(ve.tk)}
		if ve.tk != nil && ve.tk.Position != nil {
			p.Line, p.Column = ve.tk.Position.Line, ve.tk.Position.Column
		}
		return p
	}
	var ye yaml.Error
	if !errors.As(err, &ye) {
		return Problem{Msg: err.Error()}
	}
	p := Problem{Msg: ye.GetMessage()}
	tk := ye.GetToken()
	if tk != nil && tk.Position != nil {
		p.Line, p.Column = tk.Position.Line, tk.Position.Column
	}
	var ue *yaml.UnknownFieldError
	var te *yaml.TypeError
	switch {
	case errors.As(err, &ue) && tk != nil:
		p.Field, p.Unknown = tk.Value, true
	case keyBefore(tk) != "":
		p.Field = keyBefore(tk)
	case errors.As(err, &te) && te.StructFieldName != nil:
		p.Field = *te.StructFieldName
	}
	return p
}

// keyBefore names the key of a mapping value: the token before its ':'.
func keyBefore(tk *token.Token) string {
	if tk != nil && tk.Prev != nil && tk.Prev.Value == ":" && tk.Prev.Prev != nil {
		return tk.Prev.Prev.Value
	}
	return ""
}

// valueError is a value's own error (see UnmarshalScalar), kept with the
// value's token so locate can place it.
type valueError struct {
	tk  *token.Token
	err error
}

func (e *valueError) Error() string { return e.err.Error() }
func (e *valueError) Unwrap() error { return e.err }

// UnmarshalScalar is the body of a value type's UnmarshalYAML(ast.Node)
// (go-yaml's NodeUnmarshaler): it calls parse with the value's text (a
// collection's YAML text, which parse rejects) and places parse's error at
// the value, so the message names its line and key. A TextUnmarshaler's
// error has no place.
func UnmarshalScalar(node ast.Node, parse func(text string) error) error {
	text := node.String()
	if s, ok := node.(ast.ScalarNode); ok {
		text = fmt.Sprint(s.GetValue())
	}
	if err := parse(text); err != nil {
		return &valueError{tk: node.GetToken(), err: err}
	}
	return nil
}
