// Package pkicmd provides `rivgate pki`: a test CA and certificates whose
// subject SERIALNUMBER holds an HSA-id, for demos, tests and local setups.
package pkicmd

import (
	"fmt"
	"net"
	"os"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"

	"github.com/rivgate/rivgate/cmd/rivgate/internal/cliutil"
	"github.com/rivgate/rivgate/internal/pki"
)

// New returns the `pki` command with its `init` and `issue` subcommands.
func New() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "pki",
		Short: "Make a test CA and certificates (client SERIALNUMBER = HSA-id)",
		Long: `Make a test PKI for demos and local test environments. Never use these
certificates in production: the CA key is written to disk unencrypted.

  rivgate pki init --dir pki
  rivgate pki issue --dir pki --server --name gateway --dns localhost --ip 127.0.0.1
  rivgate pki issue --dir pki --client SE2321000016-CONS1 --name consumer`,
	}
	cmd.AddCommand(initCommand(), issueCommand())
	return cmd
}

func initCommand() *cobra.Command {
	var dir, name string
	var days int
	cmd := &cobra.Command{
		Use:   "init --dir DIR",
		Short: "Make a CA: DIR/ca.pem and DIR/ca.key",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := os.MkdirAll(dir, 0o755); err != nil {
				return cliutil.BadInput("create %s: %w", dir, err)
			}
			if _, err := os.Stat(filepath.Join(dir, "ca.key")); err == nil {
				return cliutil.BadInput("%s already holds a CA (ca.key); remove it first or choose another --dir", dir)
			}
			nb := time.Now().Add(-time.Hour)
			ca, err := pki.NewCAWithOptions(pki.Options{CommonName: name, NotBefore: nb, NotAfter: nb.Add(time.Duration(days) * 24 * time.Hour)})
			if err != nil {
				return err
			}
			c, k, err := ca.WriteFiles(dir, "ca")
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "CA %q\n  certificate: %s\n  key:         %s\n", name, c, k)
			return nil
		},
	}
	cmd.Flags().StringVar(&dir, "dir", "pki", "directory to write ca.pem and ca.key into")
	cmd.Flags().StringVar(&name, "name", "rivgate test CA", "CA common name")
	cmd.Flags().IntVar(&days, "days", 365, "validity in days")
	return cmd
}

func issueCommand() *cobra.Command {
	var dir, name, client, cn string
	var server bool
	var dns []string
	var ips []net.IP
	var days int
	cmd := &cobra.Command{
		Use:   "issue --dir DIR (--server | --client HSA-ID) --name NAME",
		Short: "Issue a server or client certificate signed by DIR/ca.pem",
		Long: `Issue a certificate signed by the CA in DIR (made with 'rivgate pki init').
Writes DIR/NAME.pem (certificate), DIR/NAME.key (private key, mode 0600) and
DIR/NAME-chain.pem (certificate followed by the CA).

--server makes a TLS server certificate for the --dns and --ip names
(default localhost, 127.0.0.1, ::1). --client HSA-ID makes a client
certificate whose subject SERIALNUMBER is HSA-ID, which is how the platform
identifies the calling system; --client "" makes one without SERIALNUMBER.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			clientSet := cmd.Flags().Changed("client")
			if err := cliutil.RequireFlags(cliutil.Need{Flag: "--server or --client HSA-ID", Given: server || clientSet},
				cliutil.Need{Flag: "--name", Given: name != ""}); err != nil {
				return err
			}
			if server && clientSet {
				return cliutil.BadInput("give exactly one of --server or --client HSA-ID")
			}
			ca, err := pki.LoadCA(filepath.Join(dir, "ca.pem"), filepath.Join(dir, "ca.key"))
			if err != nil {
				return cliutil.BadInput("load CA from %s (run 'rivgate pki init --dir %s' first): %w", dir, dir, err)
			}
			nb := time.Now().Add(-time.Hour)
			opts := pki.Options{CommonName: cn, DNSNames: dns, IPAddresses: ips, NotBefore: nb, NotAfter: nb.Add(time.Duration(days) * 24 * time.Hour)}
			var c *pki.Cert
			if server {
				c, err = ca.IssueServer(opts)
			} else {
				c, err = ca.IssueClient(client, opts)
			}
			if err != nil {
				return err
			}
			certPath, keyPath, err := c.WriteFiles(dir, name)
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "%s\n  subject:     %s\n  certificate: %s\n  key:         %s\n", name, c.Cert.Subject, certPath, keyPath)
			return nil
		},
	}
	cmd.Flags().StringVar(&dir, "dir", "pki", "directory holding ca.pem and ca.key; output goes there too")
	cmd.Flags().StringVar(&name, "name", "", "file name stem for the certificate and key")
	cmd.Flags().BoolVar(&server, "server", false, "issue a TLS server certificate")
	cmd.Flags().StringVar(&client, "client", "", "issue a client certificate with this HSA-id as subject SERIALNUMBER")
	cmd.Flags().StringVar(&cn, "cn", "", "subject common name (default: first DNS name, or the HSA-id)")
	cmd.Flags().StringSliceVar(&dns, "dns", nil, "server DNS names (repeatable)")
	cmd.Flags().IPSliceVar(&ips, "ip", nil, "server IP addresses (repeatable)")
	cmd.Flags().IntVar(&days, "days", 90, "validity in days")
	return cmd
}
