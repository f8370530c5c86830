package cliutil

import (
	"crypto/tls"
	"crypto/x509"
	"os"

	"github.com/spf13/cobra"
)

// ServerTLSFlags are the server-side TLS files of a command that consumers
// call with mutual TLS (conform run and serve, record).
type ServerTLSFlags struct {
	cert, key, clientCA string
}

// Add registers --cert, --key and --client-ca; what says whose server the
// certificate is for in --cert's help.
func (f *ServerTLSFlags) Add(cmd *cobra.Command, what string) {
	cmd.Flags().StringVar(&f.cert, "cert", "", what+" TLS certificate (PEM; chain allowed)")
	cmd.Flags().StringVar(&f.key, "key", "", "private key for --cert (PEM)")
	cmd.Flags().StringVar(&f.clientCA, "client-ca", "", "CA certificate(s) (PEM) that consumer client certificates must chain to; without it any client certificate is accepted and only the checks judge it")
}

// Needs are --cert and --key, which Config requires, for a command that
// names all its missing flags at once (RequireFlags).
func (f *ServerTLSFlags) Needs() []Need {
	const from = "e.g. from `rivgate pki issue --server`"
	return []Need{{Flag: "--cert", Given: f.cert != "", For: from}, {Flag: "--key", Given: f.key != "", For: from}}
}

// Config loads the files into a server configuration. --cert and --key are
// required; every failure is bad input (exit 2).
func (f *ServerTLSFlags) Config() (*tls.Config, error) {
	if err := RequireFlags(f.Needs()...); err != nil {
		return nil, err
	}
	pair, err := tls.LoadX509KeyPair(f.cert, f.key)
	if err != nil {
		return nil, BadInput("--cert %s / --key %s: %v", f.cert, f.key, err)
	}
	cfg := &tls.Config{Certificates: []tls.Certificate{pair}, MinVersion: tls.VersionTLS12}
	if f.clientCA != "" {
		pool, err := loadPool(f.clientCA, "--client-ca")
		if err != nil {
			return nil, err
		}
		cfg.ClientCAs = pool
	}
	return cfg, nil
}

// ClientTLSFlags are the client-side TLS files of a command that calls a
// producer or platform (conform run --producer, record's upstream).
type ClientTLSFlags struct {
	cert, key, ca string
	prefix        string
}

// Add registers PREFIXcert, PREFIXkey and PREFIXca; what names the peer
// in their help.
func (f *ClientTLSFlags) Add(cmd *cobra.Command, prefix, what string) {
	f.prefix = prefix
	cmd.Flags().StringVar(&f.cert, prefix+"cert", "", "client certificate towards "+what+" (PEM; SERIALNUMBER = your HSA-id)")
	cmd.Flags().StringVar(&f.key, prefix+"key", "", "private key for --"+prefix+"cert")
	cmd.Flags().StringVar(&f.ca, prefix+"ca", "", "CA certificate(s) (PEM) to verify "+what+"; default: the system roots")
}

// Config loads the files into a client configuration: no client
// certificate and the system roots when none are given. Every failure is
// bad input (exit 2).
func (f *ClientTLSFlags) Config() (*tls.Config, error) {
	cfg := &tls.Config{MinVersion: tls.VersionTLS12}
	if f.cert != "" || f.key != "" {
		pair, err := tls.LoadX509KeyPair(f.cert, f.key)
		if err != nil {
			return nil, BadInput("--%scert %s / --%skey %s: %v", f.prefix, f.cert, f.prefix, f.key, err)
		}
		cfg.Certificates = []tls.Certificate{pair}
	}
	if f.ca != "" {
		pool, err := loadPool(f.ca, "--"+f.prefix+"ca")
		if err != nil {
			return nil, err
		}
		cfg.RootCAs = pool
	}
	return cfg, nil
}

// loadPool reads the PEM certificates in path, given with flag, into a
// pool; a file without one is bad input.
func loadPool(path, flag string) (*x509.CertPool, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, BadInput("%s: %v", flag, err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(b) {
		return nil, BadInput("%s %s: no PEM certificate found", flag, path)
	}
	return pool, nil
}
