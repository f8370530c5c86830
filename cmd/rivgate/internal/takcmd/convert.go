package takcmd

import (
	"bytes"
	"os"

	"github.com/spf13/cobra"

	"github.com/rivgate/rivgate/cmd/rivgate/internal/cliutil"
	"github.com/rivgate/rivgate/gateway/tak/takformat"
)

func newConvert() *cobra.Command {
	var (
		c  common
		to string
	)
	cmd := &cobra.Command{
		Use:   "convert --to yaml|cache|json IN OUT",
		Short: "Write a TAK catalogue in another format",
		Long: `Read IN (any supported format, detected from content) and write OUT in the
format given by --to ("-" writes to standard output):

  yaml   rivgate's YAML, for people (docs/tak.md)
  cache  VP's local cache file, exactly as VP's takcache writes it (JAXB)
  json   a TAK PubVersion snapshot (relationships by id, lossless)

Dates keep their meaning: calendar dates stay calendar dates, instants stay
instants (TAK's JSON has whole seconds only).`,
		Args: cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			f, err := takformat.ParseFormat(to)
			if err != nil {
				return cliutil.BadInput("--to: %w", err)
			}
			loc, err := c.location()
			if err != nil {
				return err
			}
			d, err := takformat.ReadFile(args[0], takformat.Options{Location: loc})
			if err != nil {
				return cliutil.BadInput("%w", err)
			}
			var buf bytes.Buffer
			if err := takformat.Write(&buf, f, d, takformat.Options{Location: loc}); err != nil {
				return err
			}
			if args[1] == "-" {
				_, err = cmd.OutOrStdout().Write(buf.Bytes())
				return err
			}
			if err := os.WriteFile(args[1], buf.Bytes(), 0o644); err != nil {
				return cliutil.BadInput("write %s: %w", args[1], err)
			}
			for _, w := range d.Warnings {
				cmd.PrintErrf("warning: %s\n", w)
			}
			cmd.PrintErrf("%s: %d routes, %d permissions written as %s\n", args[1], len(d.Routes), len(d.Permissions), f)
			return nil
		},
	}
	cmd.Flags().StringVar(&to, "to", "", "output format: yaml, cache or json (required)")
	_ = cmd.MarkFlagRequired("to")
	cmd.Flags().StringVar(&c.zone, "zone", "Europe/Stockholm", "time zone TAK's zone-less dates are read and written in")
	return cmd
}
