package benchkit

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// NginxConfig is nginx as the reference mTLS reverse proxy: TLS with a
// required, verified client certificate in, plain HTTP with upstream
// keep-alive out, no SOAP parsing.
type NginxConfig struct {
	Dir      string // prefix: config, logs, pid and temp paths live here
	Listen   string // 127.0.0.1:port
	Upstream string // producer host:port
	Workers  int    // worker_processes (0: auto)
	Cert     string // server certificate, key and client CA (PEM paths)
	Key      string
	ClientCA string
}

// Write writes Dir/nginx.conf and the temp directories and returns the
// config path.
func (c NginxConfig) Write() (string, error) {
	workers := "auto"
	if c.Workers > 0 {
		workers = fmt.Sprint(c.Workers)
	}
	for _, d := range []string{"body", "proxy", "fastcgi", "uwsgi", "scgi"} {
		if err := os.MkdirAll(filepath.Join(c.Dir, "tmp", d), 0o755); err != nil {
			return "", fmt.Errorf("nginx temp dir: %w", err)
		}
	}
	r := strings.NewReplacer("{DIR}", c.Dir, "{WORKERS}", workers, "{LISTEN}", c.Listen, "{UPSTREAM}", c.Upstream,
		"{CERT}", c.Cert, "{KEY}", c.Key, "{CA}", c.ClientCA)
	path := filepath.Join(c.Dir, "nginx.conf")
	if err := os.WriteFile(path, []byte(r.Replace(nginxTemplate)), 0o644); err != nil {
		return "", fmt.Errorf("write nginx config: %w", err)
	}
	return path, nil
}

// nginxTemplate: both keep-alive request limits are raised because the Go
// servers have none; one access-log line per call, as the gateway writes
// one exchange line per call.
const nginxTemplate = `# rivgate bench: nginx as mTLS reverse proxy (written by tools/internal/benchkit)
worker_processes {WORKERS};
pid {DIR}/nginx.pid;
error_log {DIR}/error.log warn;
events {
    worker_connections 4096;
}
http {
    access_log {DIR}/access.log combined;
    client_body_temp_path {DIR}/tmp/body;
    proxy_temp_path {DIR}/tmp/proxy;
    fastcgi_temp_path {DIR}/tmp/fastcgi;
    uwsgi_temp_path {DIR}/tmp/uwsgi;
    scgi_temp_path {DIR}/tmp/scgi;

    upstream producer {
        server {UPSTREAM};
        keepalive 256;
        keepalive_requests 1000000;
        keepalive_timeout 120s;
    }
    server {
        listen {LISTEN} ssl;
        ssl_certificate {CERT};
        ssl_certificate_key {KEY};
        ssl_client_certificate {CA};
        ssl_verify_client on;
        ssl_protocols TLSv1.2 TLSv1.3;
        keepalive_requests 1000000;
        keepalive_timeout 120s;
        client_max_body_size 200m;
        location / {
            proxy_pass http://producer;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
        }
    }
}
`
