package certfile

import (
	"errors"
	"strings"
	"testing"
)

type doc struct {
	Name  string `yaml:"name"`
	Items []struct {
		ID     string `yaml:"id"`
		Impact int    `yaml:"impact"`
	} `yaml:"items"`
}

func TestDecodeErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, data, want string
		line             int
	}{
		{name: "unknown field", data: "name: x\nitems:\n  - id: a\n    impakt: 3\n", want: "impakt", line: 4},
		{name: "wrong type", data: "name: x\nitems:\n  - id: a\n    impact: high\n", want: "impact", line: 4},
		{name: "syntax", data: "name: [x\n", want: "", line: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var d doc
			_, err := Decode("f.yaml", []byte(tt.data), &d)
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("error %v (%T), want *Error", err, err)
			}
			if e.File != "f.yaml" || e.Line != tt.line || !strings.Contains(e.Field, tt.want) {
				t.Fatalf("got %q (line %d field %q), want line %d field %q", err, e.Line, e.Field, tt.line, tt.want)
			}
		})
	}
}

func TestErrorfPlacesPath(t *testing.T) {
	t.Parallel()
	var d doc
	f, err := Decode("f.yaml", []byte("name: x\nitems:\n  - id: a\n    impact: 3\n  - id: b\n    impact: 9\n"), &d)
	if err != nil {
		t.Fatal(err)
	}
	if f.Err() != nil {
		t.Fatal("no problems yet, got", f.Err())
	}
	f.Errorf("$.items[1].impact", "impact must be 1-4, got %d", 9)
	f.Errorf("$.items[7].id", "missing")
	errs := f.Err().Error()
	if !strings.Contains(errs, "f.yaml:6:5: field $.items[1].impact: impact must be 1-4, got 9") {
		t.Fatalf("got %q", errs)
	}
	// A path that does not exist falls back to the nearest parent.
	if !strings.Contains(errs, "f.yaml:2:1: field $.items[7].id: missing") {
		t.Fatalf("got %q", errs)
	}
}
