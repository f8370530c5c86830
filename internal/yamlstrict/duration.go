package yamlstrict

import (
	"fmt"
	"time"

	"github.com/goccy/go-yaml/ast"
)

// Duration is a time.Duration that people write as "2s", "500ms" or
// "1h30m" in YAML, and that JSON carries in the same form. A negative or
// malformed value is an error, placed at its line and key when decoded
// from YAML.
type Duration time.Duration

// D returns d as a time.Duration.
func (d Duration) D() time.Duration { return time.Duration(d) }

// Or returns d, or def when d is zero (not given).
func (d Duration) Or(def time.Duration) time.Duration {
	if d == 0 {
		return def
	}
	return time.Duration(d)
}

// String is the Go duration form, e.g. "1m30s".
func (d Duration) String() string { return time.Duration(d).String() }

// MarshalText writes the String form.
func (d Duration) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

// UnmarshalText reads the Go duration form (JSON uses it).
func (d *Duration) UnmarshalText(b []byte) error { return d.parse(string(b)) }

// UnmarshalYAML reads the Go duration form, placing an error at the value.
func (d *Duration) UnmarshalYAML(node ast.Node) error { return UnmarshalScalar(node, d.parse) }

func (d *Duration) parse(s string) error {
	v, err := time.ParseDuration(s)
	if err != nil || v < 0 {
		return fmt.Errorf("%q is not a duration (want e.g. 2s, 500ms, 5m)", s)
	}
	*d = Duration(v)
	return nil
}
