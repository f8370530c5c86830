package hostport

import (
	"net/url"
	"strings"
	"testing"
)

func TestCheckListen(t *testing.T) {
	t.Parallel()
	tests := []struct{ addr, err string }{
		{"127.0.0.1:20000", ""},
		{":8443", ""},
		{"127.0.0.1:0", ""}, // the system picks a free port
		{"[::1]:65535", ""},
		{"[fe80::1%eth0]:443", ""},
		{"gw-1.example.se:443", ""},
		{"127.0.0.1:65536", "port 65536 is out of range 0-65535"},
		{"127.0.0.1:99999", "port 99999 is out of range 0-65535"},
		{"127.0.0.1:-1", `port "-1" is not a number`},
		{"127.0.0.1:+80", `port "+80" is not a number`},
		{"localhost:https", `port "https" is not a number`},
		{"127.0.0.1:", "no port"},
		{"127.0.0.1", "is not host:port"},
		{"gw host:443", `host "gw host" is not a host name or IP address`},
		{"gw..example:443", "is not a host name"},
		{"http://gw:443", "is not host:port"},
		{"", "is not host:port"},
	}
	for _, tt := range tests {
		err := CheckListen(tt.addr)
		switch {
		case tt.err == "" && err != nil:
			t.Errorf("CheckListen(%q): %v", tt.addr, err)
		case tt.err != "" && (err == nil || !strings.Contains(err.Error(), tt.err)):
			t.Errorf("CheckListen(%q) = %v, want %q", tt.addr, err, tt.err)
		}
	}
}

func TestCheckURLPort(t *testing.T) {
	t.Parallel()
	tests := []struct{ url, err string }{
		{"https://tak.example/v2", ""},
		{"https://tak.example:1/v2", ""},
		{"https://tak.example:65535/v2", ""},
		{"https://tak.example:0/v2", "port 0 is out of range 1-65535"},
		{"https://tak.example:99999/v2", "port 99999 is out of range 1-65535"},
	}
	for _, tt := range tests {
		u, err := url.Parse(tt.url)
		if err != nil {
			t.Fatal(err)
		}
		err = CheckURLPort(u)
		switch {
		case tt.err == "" && err != nil:
			t.Errorf("CheckURLPort(%q): %v", tt.url, err)
		case tt.err != "" && (err == nil || err.Error() != tt.err):
			t.Errorf("CheckURLPort(%q) = %v, want %q", tt.url, err, tt.err)
		}
	}
}
