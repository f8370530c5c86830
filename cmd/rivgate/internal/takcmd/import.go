package takcmd

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/rs/zerolog"
	"github.com/spf13/cobra"

	"github.com/rivgate/rivgate/cmd/rivgate/internal/cliutil"
	"github.com/rivgate/rivgate/gateway/config"
	"github.com/rivgate/rivgate/gateway/tak"
	"github.com/rivgate/rivgate/gateway/tak/takformat"
)

func newImport() *cobra.Command {
	var (
		c         common
		lf        lookupFlags
		url       string
		cacheFile string
		contracts []string
		out       string
		to        string
		asJSON    bool
		timeout   time.Duration
		fast      bool
		username  string
		password  config.Secret
	)
	cmd := &cobra.Command{
		Use:   "import [FILE...] [--url URL] [--cache-file FILE]",
		Short: "Load TAK sources as the gateway would and report what was loaded",
		Long: `Load the catalogue exactly as the gateway does at start: the files (any
format), the live TAK service (SokVagvalsInfo v2, --url), with VP's fallbacks
when TAK fails (restore the local cache file), and print the outcome (OK,
RESTORED or FAILED), the counts, VP-style log lines and reader warnings. A
dry run of the gateway's load; with --out the merged catalogue is written.

With --url and --cache-file, a successful fetch writes the cache file as VP
does (atomically). A TAK that wants HTTP Basic authentication gets
--username and the password from --password-file or --password-env, never
from the URL (it is shown in the report).

Exit codes: 0 loaded from the sources (OK); 1 the sources failed (RESTORED
from the local cache, or FAILED); 2 bad input.`,
		Example: `  rivgate tak import tak.yaml --hsa hsa.xml
  rivgate tak import --url http://tak-services:8080/tak-services/SokVagvalsInfo/v2 \
    --cache-file /var/lib/rivgate/takcache.xml --out tak.yaml`,
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 && url == "" && cacheFile == "" {
				return cliutil.BadInput("nothing to import: give files, --url or --cache-file")
			}
			loc, err := c.location()
			if err != nil {
				return err
			}
			var format takformat.Format
			if out != "" {
				if format, err = outFormat(out, to); err != nil {
					return err
				}
			}
			client := tak.ClientConfig{Timeout: timeout, FastDecode: fast, Username: username}
			if password.File != "" && password.Env != "" {
				return cliutil.BadInput("give --password-file or --password-env, not both")
			}
			if password.IsSet() != (username != "") {
				return cliutil.BadInput("--username and --password-file/--password-env go together")
			}
			if password.IsSet() {
				if client.Password, err = password.Read(); err != nil {
					return cliutil.BadInput("password: %w", err)
				}
			}
			opt := lf.options()
			store, err := tak.NewStore(tak.Config{
				Files: args, HSAFiles: c.hsaFiles, URL: url, CacheFile: cacheFile, Location: loc, Contracts: contracts,
				HSALookup: opt.HSALookup, DefaultRouting: opt.DefaultRouting, Client: client,
			}, zerolog.Nop())
			if err != nil {
				return cliutil.BadInput("%w", err)
			}
			rep := store.Reload(cmd.Context())
			if asJSON {
				if err := printJSON(cmd.OutOrStdout(), rep); err != nil {
					return err
				}
			} else {
				printf(cmd, "state:       %s\n", rep.State)
				printf(cmd, "source:      %s\n", rep.Source)
				printf(cmd, "routes:      %d\npermissions: %d\nHSA units:   %d\n", rep.Routes, rep.Permissions, rep.HSAUnits)
				printf(cmd, "message:     %s\n", rep.Message)
				for _, l := range rep.Log {
					printf(cmd, "log:         %s\n", l)
				}
				for _, w := range rep.Warnings {
					printf(cmd, "warning:     %s\n", w)
				}
			}
			if cat := store.Catalogue(); cat != nil && out != "" {
				var buf bytes.Buffer
				if err := takformat.Write(&buf, format, cat.Data(), takformat.Options{Location: loc}); err != nil {
					return err
				}
				if err := os.WriteFile(out, buf.Bytes(), 0o644); err != nil {
					return cliutil.BadInput("--out: %w", err)
				}
				cmd.PrintErrf("%s: written as %s\n", out, format)
			}
			if rep.State != tak.StateOK {
				return cliutil.Silent(cliutil.ExitFailures)
			}
			return nil
		},
	}
	fs := cmd.Flags()
	fs.StringVar(&url, "url", "", "live TAK service, SokVagvalsInfo v2 endpoint")
	fs.StringVar(&cacheFile, "cache-file", "", "VP local cache file: written after a successful fetch, restored when TAK fails")
	fs.StringArrayVar(&contracts, "contract", nil, "keep only this contract namespace (VP's takcache filter); repeat")
	fs.StringVar(&out, "out", "", "write the loaded catalogue to this file")
	fs.StringVar(&to, "to", "", "format for --out: yaml, cache or json (default: from the file name)")
	fs.BoolVar(&asJSON, "json", false, "print the report as JSON")
	fs.DurationVar(&timeout, "timeout", 60*time.Second, "bound on fetching from --url")
	fs.StringVar(&username, "username", "", "HTTP Basic user name for --url")
	fs.StringVar(&password.File, "password-file", "", "file holding the HTTP Basic password for --url")
	fs.StringVar(&password.Env, "password-env", "", "environment variable holding the HTTP Basic password for --url")
	fs.BoolVar(&fast, "fast-decode", false, "decode TAK's answers with the cache-file scanner instead of the generated SOAP types (same result, faster)")
	c.register(fs)
	lf.register(fs)
	return cmd
}

// outFormat is --to, or the format the file name suggests.
func outFormat(path, to string) (takformat.Format, error) {
	if to != "" {
		f, err := takformat.ParseFormat(to)
		if err != nil {
			return "", cliutil.BadInput("--to: %w", err)
		}
		return f, nil
	}
	switch strings.ToLower(filepath.Ext(path)) {
	case ".yaml", ".yml":
		return takformat.YAML, nil
	case ".json":
		return takformat.JSON, nil
	case ".xml":
		return takformat.Cache, nil
	}
	return "", cliutil.BadInput("--out %s: say --to yaml, cache or json", path)
}
