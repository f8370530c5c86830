package yamlstrict

import (
	"errors"
	"testing"
)

// TestDecode: every failure is an *Error that names the file, line and
// field; unknown fields all come, in document order.
func TestDecode(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, data string
		want       []string // Error() of each *Error, in order
	}{
		{name: "valid", data: "name: a\nwait: 2s\n"},
		{name: "unknown fields", data: "zeta: 1\nname: a\nalpha: 2\n",
			want: []string{`f.yaml:1:1: field zeta: unknown field "zeta"`, `f.yaml:3:1: field alpha: unknown field "alpha"`}},
		{name: "type error names the key", data: "name: a\nitems: 3\n",
			want: []string{"f.yaml:2:8: field items: int was used where sequence is expected"}},
		{name: "syntax error", data: "name: [a\n",
			want: []string{"f.yaml:1:7: field name: sequence end token ']' not found"}},
		{name: "key with a line break is quoted", data: "\"a\\nb\": 1\n",
			want: []string{`f.yaml:1:1: field "a\nb": unknown field "a\nb"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var d doc
			f, err := Decode("f.yaml", []byte(tt.data), &d)
			if len(tt.want) == 0 {
				if err != nil || f == nil {
					t.Fatalf("Decode: %v (tree %v)", err, f)
				}
				if d.Name != "a" {
					t.Errorf("decoded name %q", d.Name)
				}
				return
			}
			var got []string
			var errs interface{ Unwrap() []error }
			if errors.As(err, &errs) {
				for _, e := range errs.Unwrap() {
					got = append(got, e.Error())
				}
			} else if err != nil {
				got = append(got, err.Error())
			}
			var ye *Error
			if !errors.As(err, &ye) {
				t.Errorf("%T is not an *Error: %v", err, err)
			}
			if len(got) != len(tt.want) {
				t.Fatalf("errors %q, want %q", got, tt.want)
			}
			for i := range got {
				if got[i] != tt.want[i] {
					t.Errorf("error %d: %q, want %q", i, got[i], tt.want[i])
				}
			}
		})
	}
}
