package conformcmd

import (
	"fmt"
	"net"
	"os/signal"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/rivgate/rivgate/cmd/rivgate/internal/cliutil"
	"github.com/rivgate/rivgate/conformance/publish/evidence"
	"github.com/rivgate/rivgate/conformance/publish/workbench"
)

func workbenchCommand() *cobra.Command {
	var runs, listen, usersFile, key, cert string
	var maxUpload int64
	cmd := &cobra.Command{
		Use:   "workbench --runs DIR [--listen 127.0.0.1:8088] [--users FILE] [--key FILE [--cert FILE]]",
		Short: "The certifier's workbench: judge, review, declare, decide, report, bundle and verify in a browser",
		Long: `Serve a web application over a directory of runs (each subdirectory an
--out of 'conform run'). It shows each run with the decision proposal and its
reasons first, its scenarios, steps, checks, findings and exchanges, and lets
a person judge manual steps (with attachments), review document items,
record the supplier's declaration and the certifier's decision, rebuild the
report, build and sign the evidence bundle (with --key) and verify an
uploaded bundle. Every action writes the same files through the same code as
'conform judge', 'declare', 'decide', 'report' and 'bundle', so the CLI and
the browser can be mixed.

Who acts: with --users FILE (lines "name:bcrypt-hash" of a password or
token, e.g. from 'htpasswd -nbB NAME SECRET') a login; without it the person
gives a name once (kept in a cookie), and the workbench refuses to listen on
anything but loopback. Pages need no JavaScript and load nothing from
elsewhere. See docs/workbench.md.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if runs == "" {
				return cliutil.BadInput("--runs is required")
			}
			o := workbench.Options{RunsDir: runs, MaxUpload: maxUpload}
			if usersFile != "" {
				u, err := workbench.LoadUsers(usersFile)
				if err != nil {
					return cliutil.BadInput("--users: %w", err)
				}
				o.Users = u
			}
			if err := cliutil.CheckListen("--listen", listen); err != nil {
				return err
			}
			if err := workbench.CheckListen(listen, o.Users != nil); err != nil {
				return cliutil.BadInput("--listen: %w", err)
			}
			if key != "" {
				s, err := evidence.LoadSigner(key, cert)
				if err != nil {
					return cliutil.BadInput("--key: %w", err)
				}
				o.Signer = s
			}
			wb, err := workbench.New(o)
			if err != nil {
				return cliutil.BadInput("%w", err)
			}
			ln, err := net.Listen("tcp", listen)
			if err != nil {
				return cliutil.BadInput("--listen: %w", err)
			}
			ctx, stop := signal.NotifyContext(cmd.Context(), syscall.SIGINT, syscall.SIGTERM)
			defer stop()
			fmt.Fprintf(cmd.OutOrStdout(), "workbench on http://%s/ over %s (Ctrl-C stops)\n", ln.Addr(), runs)
			return wb.Serve(ctx, ln)
		},
	}
	cmd.Flags().StringVar(&runs, "runs", "", "directory of runs (each subdirectory holding results.json)")
	cmd.Flags().StringVar(&listen, "listen", "127.0.0.1:8088", "address to listen on (beyond loopback only with --users)")
	cmd.Flags().StringVar(&usersFile, "users", "", `users file: "name:bcrypt-hash" a line; requires a login`)
	cmd.Flags().StringVar(&key, "key", "", "signing key (PEM) for evidence bundles; without it the bundle action is off")
	cmd.Flags().StringVar(&cert, "cert", "", "the signer's certificate chain (PEM), for an X.509 key")
	cmd.Flags().Int64Var(&maxUpload, "max-upload", workbench.DefaultMaxUpload, "largest upload (attachments, a bundle to verify) in bytes")
	return cmd
}
