package main

import (
	"crypto/x509"
	"encoding/pem"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestExitCodes(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want int
	}{
		{name: "version", args: []string{"version"}, want: 0},
		{name: "help", args: []string{"--help"}, want: 0},
		{name: "unknown command is bad usage", args: []string{"no-such-command"}, want: 2},
		{name: "unknown flag is bad usage", args: []string{"version", "--no-such-flag"}, want: 2},
		{name: "pki issue without CA is bad input", args: []string{"pki", "issue", "--dir", t.TempDir(), "--client", "SE1", "--name", "c"}, want: 2},
		{name: "pki issue needs exactly one kind", args: []string{"pki", "issue", "--dir", t.TempDir(), "--name", "c"}, want: 2},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.want, run(tc.args))
		})
	}
}

// The README's certificate commands make a CA, a server and a client
// certificate whose SERIALNUMBER is the HSA-id.
func TestPKICommands(t *testing.T) {
	dir := t.TempDir()
	require.Equal(t, 0, run([]string{"pki", "init", "--dir", dir}))
	require.Equal(t, 2, run([]string{"pki", "init", "--dir", dir}), "a second init must not overwrite the CA")
	require.Equal(t, 0, run([]string{"pki", "issue", "--dir", dir, "--server", "--name", "gateway", "--dns", "localhost", "--ip", "127.0.0.1"}))
	require.Equal(t, 0, run([]string{"pki", "issue", "--dir", dir, "--client", "SE2321000016-CONS1", "--name", "consumer"}))

	raw, err := os.ReadFile(filepath.Join(dir, "consumer.pem"))
	require.NoError(t, err)
	block, _ := pem.Decode(raw)
	require.NotNil(t, block)
	cert, err := x509.ParseCertificate(block.Bytes)
	require.NoError(t, err)
	assert.Equal(t, "SE2321000016-CONS1", cert.Subject.SerialNumber)

	info, err := os.Stat(filepath.Join(dir, "consumer.key"))
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o600), info.Mode().Perm())
}
