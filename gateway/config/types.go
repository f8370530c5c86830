package config

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/goccy/go-yaml/ast"
)

// Duration is a time.Duration written as "2s", "5m" or "1h30m" in YAML.
type Duration time.Duration

// D returns the value as a time.Duration.
func (d Duration) D() time.Duration { return time.Duration(d) }

// String is the Go duration form.
func (d Duration) String() string { return time.Duration(d).String() }

// MarshalText writes the Go duration form.
func (d Duration) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

// UnmarshalYAML implements yaml.NodeUnmarshaler so a bad value is reported
// with its line and column.
func (d *Duration) UnmarshalYAML(node ast.Node) error {
	s := scalar(node)
	v, err := time.ParseDuration(s)
	if err != nil || v < 0 {
		return posError(node, fmt.Sprintf("%q is not a duration (want e.g. 2s, 500ms, 5m)", s))
	}
	*d = Duration(v)
	return nil
}

// ByteSize is a size in bytes written as 1048576, "50MiB", "100MB", "64KiB".
type ByteSize int64

// String writes the size in the largest whole binary unit.
func (b ByteSize) String() string {
	for _, u := range []struct {
		name string
		n    int64
	}{{"GiB", 1 << 30}, {"MiB", 1 << 20}, {"KiB", 1 << 10}} {
		if b != 0 && int64(b)%u.n == 0 {
			return strconv.FormatInt(int64(b)/u.n, 10) + u.name
		}
	}
	return strconv.FormatInt(int64(b), 10)
}

// MarshalText writes the String form.
func (b ByteSize) MarshalText() ([]byte, error) { return []byte(b.String()), nil }

// UnmarshalYAML implements yaml.NodeUnmarshaler.
func (b *ByteSize) UnmarshalYAML(node ast.Node) error {
	s := scalar(node)
	v, err := ParseByteSize(s)
	if err != nil {
		return posError(node, err.Error())
	}
	*b = v
	return nil
}

// ParseByteSize reads "50MiB", "100MB", "1GiB", "512KiB", "4096" (bytes).
// Decimal units (KB, MB, GB) are powers of 1000, binary ones (KiB, MiB,
// GiB) powers of 1024.
func ParseByteSize(s string) (ByteSize, error) {
	t := strings.TrimSpace(s)
	units := []struct {
		suffix string
		n      int64
	}{
		{"GiB", 1 << 30}, {"MiB", 1 << 20}, {"KiB", 1 << 10},
		{"GB", 1e9}, {"MB", 1e6}, {"KB", 1e3}, {"B", 1},
	}
	mult := int64(1)
	for _, u := range units {
		if strings.HasSuffix(t, u.suffix) {
			t = strings.TrimSpace(strings.TrimSuffix(t, u.suffix))
			mult = u.n
			break
		}
	}
	n, err := strconv.ParseInt(t, 10, 64)
	if err != nil || n < 0 || n > (1<<62)/mult {
		return 0, fmt.Errorf("%q is not a size (want e.g. 50MiB, 100MB or a number of bytes)", s)
	}
	return ByteSize(n * mult), nil
}

func scalar(node ast.Node) string {
	if s, ok := node.(ast.ScalarNode); ok {
		return fmt.Sprint(s.GetValue())
	}
	return node.String()
}

// posError is returned from UnmarshalYAML; Load turns it into a *FieldError
// with the file name.
type nodeError struct {
	line, col int
	msg       string
}

func (e *nodeError) Error() string { return fmt.Sprintf("%d:%d: %s", e.line, e.col, e.msg) }

func posError(node ast.Node, msg string) error {
	tk := node.GetToken()
	if tk == nil || tk.Position == nil {
		return &nodeError{msg: msg}
	}
	return &nodeError{line: tk.Position.Line, col: tk.Position.Column, msg: msg}
}
