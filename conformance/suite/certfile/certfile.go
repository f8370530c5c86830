// Package certfile loads the certification files people write next to a
// suite (risk.yaml, activities.yaml, decision.yaml): strict YAML (unknown
// fields are errors) whose every error names the file, line and field, both
// for syntax and type errors and for the semantic checks the loader makes
// afterwards (File.Errorf places a YAML path).
package certfile

import (
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/goccy/go-yaml/ast"

	"github.com/rivgate/rivgate/internal/yamlstrict"
)

// Error is one problem in a certification file.
type Error = yamlstrict.Error

// File is a decoded file, kept so later checks can place their errors.
type File struct {
	Name string
	ast  *ast.File
	errs []error
}

// Read reads path and decodes it strictly into v.
func Read(path string, v any) (*File, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	return Decode(path, data, v)
}

// Decode decodes data strictly into v; name is used in errors.
func Decode(name string, data []byte, v any) (*File, error) {
	f, err := yamlstrict.Decode(name, data, v)
	if err != nil {
		return nil, err
	}
	return &File{Name: name, ast: f}, nil
}

// Errorf records a semantic problem at YAML path yp (e.g.
// "$.functions[1].impact"); Err returns them all.
func (f *File) Errorf(yp, format string, args ...any) {
	line, col := f.position(yp)
	f.errs = append(f.errs, &Error{File: f.Name, Line: line, Column: col, Field: yp, Msg: fmt.Sprintf(format, args...)})
}

// Err joins the recorded problems (nil when there are none).
func (f *File) Err() error { return errors.Join(f.errs...) }

// position places a YAML path, falling back to its parents.
func (f *File) position(yp string) (int, int) {
	for p := yp; len(p) > 1; {
		if n := yamlstrict.Find(f.ast, p); n != nil {
			tk := n.GetToken()
			if tk != nil && tk.Position != nil {
				// A mapping value: point at its key.
				if tk.Prev != nil && tk.Prev.Value == ":" && tk.Prev.Prev != nil && tk.Prev.Prev.Position != nil {
					tk = tk.Prev.Prev
				}
				return tk.Position.Line, tk.Position.Column
			}
		}
		i := strings.LastIndexAny(p, ".[")
		if i <= 0 {
			break
		}
		p = p[:i]
	}
	return 0, 0
}
