package yamlstrict

import (
	"cmp"
	"errors"
	"fmt"
	"slices"
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
// errors name it. A failure is every problem DecodeProblems finds, an
// *Error each (joined; one that is not an unknown field on its own).
func Decode(name string, data []byte, v any) (*ast.File, error) {
	f, probs := DecodeProblems(data, v)
	if len(probs) > 0 {
		return nil, Join(name, probs)
	}
	return f, nil
}

// Join makes problems in file one error of *Errors, as Decode returns
// them: joined (even one unknown field), except a single other problem,
// which is returned on its own.
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
// problems come all at once, in document order: every unknown field (with
// the known key it is a near miss of) and every value that does not
// decode, so an unknown key never hides a bad value; v then holds every
// other value, the bad ones left zero, and Complete(problems) is true so
// the caller's checks can run too. A syntax error, or a decoder failure
// the walk did not foresee (a panic of go-yaml included), is Fatal. The
// tree, for placing the problems, is nil only when data does not parse;
// its bad values are nulls at their place.
func DecodeProblems(data []byte, v any) (*ast.File, []Problem) {
	f, err := Parse(data)
	if err != nil {
		p := locate(err)
		p.Fatal = true
		return nil, []Problem{p}
	}
	probs := check(f, v)
	if len(f.Docs) > 0 && f.Docs[0] != nil && f.Docs[0].Body != nil {
		// Unknown fields are reported already; without them the decoder
		// is strict as well, for keys the walk does not see (merged ones).
		var opts []yaml.DecodeOption
		if !slices.ContainsFunc(probs, func(p Problem) bool { return p.Unknown }) {
			opts = append(opts, yaml.DisallowUnknownField())
		}
		if err := decodeNode(f.Docs[0].Body, v, opts...); err != nil {
			p := locate(err)
			p.Fatal = true
			if !slices.ContainsFunc(probs, func(q Problem) bool { return q.Line == p.Line && q.Column == p.Column && q.Msg == p.Msg }) {
				probs = append(probs, p)
			}
		}
	}
	SortByPlace(probs)
	return f, probs
}

// SortByPlace puts problems in document order (line, then column), those
// without a line last, keeping the order of problems at one place.
func SortByPlace(probs []Problem) {
	slices.SortStableFunc(probs, func(a, b Problem) int {
		if (a.Line == 0) != (b.Line == 0) {
			return cmp.Compare(b.Line, a.Line) // unplaced ones last
		}
		return cmp.Or(cmp.Compare(a.Line, b.Line), cmp.Compare(a.Column, b.Column))
	})
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
