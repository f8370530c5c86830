package takdata

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseAddress(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, addr, reason string
	}{
		{"https", "https://producer.example:443/svc?x=1", ""},
		{"http", "http://127.0.0.1:8080/svc", ""},
		{"ftp", "ftp://producer.example/svc", "not http:// or https://"},
		{"no scheme", "producer.example/svc", "not http:// or https://"},
		{"no host", "https:///svc", "no host"},
		{"opaque", "https:producer", "no host"},
		{"credentials", "https://svc:s3cret@producer.example/svc", "carries credentials"},
		{"user only", "https://svc@producer.example/svc", "carries credentials"},
		{"not a URL", "http://[::1/svc", "not a URL"},
		{"port out of range", "https://producer.example:99999/svc", "port 99999 is out of range 1-65535"},
		{"port zero", "http://127.0.0.1:0/svc", "port 0 is out of range 1-65535"},
		{"port without a host", "https://:8443/svc", "no host"},
		{"highest port", "https://[::1]:65535/svc", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			u, err := ParseAddress(tt.addr)
			if tt.reason == "" {
				require.NoError(t, err)
				assert.Equal(t, tt.addr, u.String())
				return
			}
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.reason)
			assert.NotContains(t, err.Error(), "s3cret")
		})
	}
}

func TestCheckAddresses(t *testing.T) {
	t.Parallel()
	d := &Data{Routes: []Route{
		{Address: "https://ok.example/x", Origin: "t.yaml:3:14"},
		{Address: "", Origin: "t.yaml:4:14"}, // VP010 by design
		{Address: "gopher://old.example/x", Origin: "t.yaml:5:14"},
		{Address: "https://u:p@x.example/", ID: "7"},
	}}
	errs := d.CheckAddresses()
	require.Len(t, errs, 2)
	assert.True(t, strings.HasPrefix(errs[0].Error(), `t.yaml:5:14: producer address "gopher://old.example/x"`), errs[0].Error())
	assert.True(t, strings.HasPrefix(errs[1].Error(), `route id 7: producer address "https://xxxxx@x.example/"`), errs[1].Error())
}
