package config

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestParseSurvivesYAMLLibraryPanics: inputs on which go-yaml v1.19.2
// panics (goccy/go-yaml#735, found by fuzzing the TAK YAML reader) are bad
// input naming the file, not a crash of `rivgate gateway`.
func TestParseSurvivesYAMLLibraryPanics(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct{ name, yaml string }{
		{"tag on a sequence field", "tak:\n  files: ! #0000\n"},
		{"tag on the CRL list", "tls:\n  crl: ! #0\n"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			c, err := Parse("g.yaml", []byte(tt.yaml))
			require.Error(t, err)
			assert.Nil(t, c)
			assert.True(t, strings.HasPrefix(err.Error(), "g.yaml: the YAML decoder failed on this input: "), "%v", err)
		})
	}
}
