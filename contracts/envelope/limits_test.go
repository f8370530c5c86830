package envelope

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestStructureLimits: nesting and attribute counts are bounded inside
// the head, at VP's parser's (Woodstox) defaults, so a hostile head fails
// at once instead of after building a 100,000-element stack; the limit
// itself is still accepted.
func TestStructureLimits(t *testing.T) {
	t.Parallel()
	env := func(envAttrs, header string) string {
		return `<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"` + envAttrs + `><s:Header>` + header +
			`<LogicalAddress xmlns="urn:riv:itintegration:registry:1">R</LogicalAddress></s:Header><s:Body><c:Op xmlns:c="urn:c"/></s:Body></s:Envelope>`
	}
	nest := func(n int) string { return strings.Repeat("<x>", n) + strings.Repeat("</x>", n) }
	attrs := func(n int) string {
		var b strings.Builder
		for i := range n {
			fmt.Fprintf(&b, ` a%d="v"`, i)
		}
		return b.String()
	}
	decls := func(n int) string {
		var b strings.Builder
		for i := range n {
			fmt.Fprintf(&b, ` xmlns:p%d="urn:p%d"`, i, i)
		}
		return b.String()
	}
	tests := []struct {
		name    string
		msg     string
		wantErr string
	}{
		// Envelope and Header are depth 1 and 2: x elements start at 3.
		{"nesting at the limit", env("", nest(maxDepth-2)), ""},
		{"nesting past the limit", env("", nest(maxDepth-1)), "elements nested deeper than 1000"},
		{"nesting 100,000 deep", env("", nest(100_000)), "elements nested deeper than 1000"},
		{"attributes at the limit", env(attrs(maxAttrs-1), ""), ""}, // plus xmlns:s
		{"attributes past the limit", env(attrs(maxAttrs), ""), "more than 1000 attributes in <s:Envelope>"},
		{"namespace declarations past the in-scope limit", env(decls(maxBindings), ""), "more than 256 namespace declarations in scope"},
		{"1,000,000 namespace declarations", env(decls(1_000_000), ""), "more than 1000 attributes in <s:Envelope>"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			info, head, err := Sniff(strings.NewReader(tt.msg), Options{MaxHead: int64(len(tt.msg))})
			if tt.wantErr == "" {
				require.NoError(t, err)
				assert.Equal(t, "R", info.Receiver)
				return
			}
			var se *SyntaxError
			require.ErrorAs(t, err, &se)
			assert.Equal(t, tt.wantErr, se.Msg)
			// Rejected early: far less than the message was read.
			assert.Less(t, len(head), 64<<10+readChunk, "read %d of %d bytes", len(head), len(tt.msg))
		})
	}
}
