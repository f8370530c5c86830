package redact

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestURL(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, in, want string
		has            bool
	}{
		{"no userinfo", "https://tak.example:8443/tak-services/SokVagvalsInfo/v2", "https://tak.example:8443/tak-services/SokVagvalsInfo/v2", false},
		{"user and password", "http://svc:s3cret@tak.example/x?y=1", "http://xxxxx@tak.example/x?y=1", true},
		{"user only", "https://svc@producer.example/p", "https://xxxxx@producer.example/p", true},
		{"at in path only", "http://producer.example/a@b", "http://producer.example/a@b", false},
		{"unparsable with userinfo", "http://us er:pw@host:1/p", "http://xxxxx@host:1/p", true},
		{"unparsable without scheme", "us er:pw@host/p", "xxxxx@host/p", true},
		{"unparsable, at in path", "http://ho st/a@b", "http://ho st/a@b", false},
		{"empty", "", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			assert.Equal(t, tt.want, URL(tt.in))
			assert.Equal(t, tt.has, HasUserinfo(tt.in))
			assert.NotContains(t, URL(tt.in), "s3cret")
			assert.NotContains(t, URL(tt.in), "pw@")
		})
	}
}

func TestURLDoesNotAllocateWithoutAt(t *testing.T) {
	s := "https://producer.example:443/GetSubjectOfCareSchedule"
	assert.Zero(t, testing.AllocsPerRun(100, func() { _ = URL(s) }))
}
