package xsdmodel

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestRegexAnchors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		pattern, want string
		anchored      bool
	}{
		{pattern: `^[0-9]{8}[0-9pPtTfF][0-9]{3}$`, want: `[0-9]{8}[0-9pPtTfF][0-9]{3}`, anchored: true},
		{pattern: `^$`, want: ``, anchored: true},
		{pattern: `^a\\$`, want: `a\\`, anchored: true},
		{pattern: `^a\$`},
		{pattern: `^abc`},
		{pattern: `abc$`},
		{pattern: `[^a]$`},
		{pattern: `^`},
		{pattern: ``},
	}
	for _, tc := range tests {
		got, ok := RegexAnchors(tc.pattern)
		assert.Equal(t, tc.anchored, ok, tc.pattern)
		if tc.anchored {
			assert.Equal(t, tc.want, got, tc.pattern)
		} else {
			assert.Equal(t, tc.pattern, got, "unchanged: %s", tc.pattern)
		}
	}
}

// The model reads anchored patterns as anchors unless strict, and the
// regexp it compiles then accepts the value without them.
func TestModelPattern(t *testing.T) {
	t.Parallel()
	const p = `^[0-9]{12}$`
	for _, strict := range []bool{false, true} {
		m := &Model{strict: strict}
		re, err := CompileRegexp(m.Pattern(p))
		assert.NoError(t, err)
		assert.Equal(t, !strict, re.MatchString("191212121212"), "strict=%v", strict)
		assert.Equal(t, strict, re.MatchString("^191212121212$"), "strict=%v", strict)
	}
}
