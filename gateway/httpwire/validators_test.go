package httpwire

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"golang.org/x/net/http/httpguts"
)

// TestHeaderValidatorsAgreeWithHTTPGuts: the validators the server and
// the producer client share accept what x/net's do, byte for byte.
func TestHeaderValidatorsAgreeWithHTTPGuts(t *testing.T) {
	for b := range 256 {
		for _, s := range []string{string([]byte{byte(b)}), "X-" + string([]byte{byte(b)}) + "-Y"} {
			assert.Equal(t, httpguts.ValidHeaderFieldName(s), ValidHeaderName(s), "name %q", s)
			assert.Equal(t, httpguts.ValidHeaderFieldValue(s), ValidHeaderValue(s), "value %q", s)
		}
	}
	assert.False(t, ValidHeaderName(""))
	assert.True(t, ValidHeaderValue(""))
	assert.False(t, CanonicalKey(nil))
	for in, want := range map[string]string{"content-type": "Content-Type", "X-VP-SENDER-ID": "X-Vp-Sender-Id", "x_vp_id": "X_vp_id", "a--b": "A--B"} {
		k := []byte(in)
		assert.True(t, CanonicalKey(k))
		assert.Equal(t, want, string(k))
	}
	assert.False(t, CanonicalKey([]byte("bad name")))
}
