// Package takcmd provides `rivgate tak`: load any supported TAK catalogue
// format, check it, convert it, and answer "where would this call go, and
// why" with VP's lookup traces.
package takcmd

import (
	"fmt"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/rivgate/rivgate/cmd/rivgate/internal/cliutil"
	"github.com/rivgate/rivgate/gateway/tak"
	"github.com/rivgate/rivgate/gateway/tak/hsa"
	"github.com/rivgate/rivgate/gateway/tak/takdata"
	"github.com/rivgate/rivgate/gateway/tak/takformat"
)

// New returns the `tak` command.
func New() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "tak",
		Short: "Import, lint, convert and query TAK catalogues",
		Long: `Work with TAK catalogues (routes and permissions) in any supported format,
detected from content: rivgate's YAML, VP's local cache XML (or a saved
SokVagvalsInfo answer), TAK's JSON export or PubVersion snapshot, or a zip of
those (TAK's nightly dump).

  lookup   where would a call go, and is the consumer allowed: VP's answer and traces
  lint     find overlapping routes, permissions without routes, bad values, expired entries
  convert  write a catalogue in another format (yaml, cache, json)
  import   load sources as the gateway would (files, live TAK, local cache) and report
  diff     preview a change: the calls whose answer it moves, logged traffic, lapses ahead
  explain  why one logged call got its answer: entries, HSA path, producer, timeout`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			_ = cmd.Help()
			return cliutil.BadInput("'rivgate tak' needs a subcommand: lookup, lint, convert, import, diff or explain")
		},
	}
	cmd.AddCommand(newLookup(), newLint(), newConvert(), newImport())
	cmd.AddCommand(newDiff())
	cmd.AddCommand(newExplain())
	return cmd
}

// common holds the flags shared by the subcommands.
type common struct {
	hsaFiles []string
	zone     string
}

func (c *common) register(fs *pflag.FlagSet) {
	fs.StringArrayVar(&c.hsaFiles, "hsa", nil, "HSA unit file (FileGetHsaUnitsResponse); repeat: the first is the master, later ones complement it")
	fs.StringVar(&c.zone, "zone", takdata.DefaultZone, "time zone TAK's zone-less dates are read in")
}

func (c *common) location() (*time.Location, error) {
	loc, err := takdata.LoadZone(c.zone)
	if err != nil {
		return nil, cliutil.BadInput("--zone: %w", err)
	}
	return loc, nil
}

func (c *common) tree() (*hsa.Tree, error) {
	if len(c.hsaFiles) == 0 {
		return &hsa.Tree{}, nil
	}
	t, err := hsa.Load(c.hsaFiles...)
	if err != nil {
		return nil, cliutil.BadInput("%w", err)
	}
	return t, nil
}

// readAll reads and merges files in order.
func readAll(files []string, loc *time.Location) (*takdata.Data, error) {
	d := &takdata.Data{}
	for _, f := range files {
		x, err := takformat.ReadFile(f, takformat.Options{Location: loc})
		if err != nil {
			return nil, cliutil.BadInput("%w", err)
		}
		d.Append(x)
		if d.Source != "" {
			d.Source += " + "
		}
		d.Source += f
	}
	return d, nil
}

// lookupFlags are the lookup-behaviour switches of tak.Config.
type lookupFlags struct {
	noTreeRouting, noTreeAuth bool
	treeExceptRouting         []string
	treeExceptAuth            []string
	noDefaultRouting          bool
	delimiter                 string
	allowedContracts          []string
	allowedSenders            []string
}

func (l *lookupFlags) register(fs *pflag.FlagSet) {
	fs.BoolVar(&l.noTreeRouting, "no-tree-routing", false, "do not walk the HSA tree for routing (VP: hsa.lookup.vagval.defaultEnabled=false)")
	fs.BoolVar(&l.noTreeAuth, "no-tree-auth", false, "do not walk the HSA tree for authorisation (VP: hsa.lookup.behorighet.defaultEnabled=false)")
	fs.StringArrayVar(&l.treeExceptRouting, "tree-except-routing", nil, "contract namespace prefix for which the routing tree-walk default is inverted; repeat")
	fs.StringArrayVar(&l.treeExceptAuth, "tree-except-auth", nil, "contract namespace prefix for which the authorisation tree-walk default is inverted; repeat")
	fs.BoolVar(&l.noDefaultRouting, "no-default-routing", false, `turn "VG#VE" default routing off`)
	fs.StringVar(&l.delimiter, "delimiter", "#", `"VG#VE" default-routing delimiter`)
	fs.StringArrayVar(&l.allowedContracts, "default-routing-contract", nil, `contract allowed to use "VG#VE" (default: all); repeat`)
	fs.StringArrayVar(&l.allowedSenders, "default-routing-sender", nil, `sender allowed to use "VG#VE" (default: all); repeat`)
}

func (l *lookupFlags) options() tak.BuildOptions {
	return tak.BuildOptions{
		HSALookup: tak.HSALookup{
			Routing:       tak.HSARule{Disabled: l.noTreeRouting, Excepted: l.treeExceptRouting},
			Authorization: tak.HSARule{Disabled: l.noTreeAuth, Excepted: l.treeExceptAuth},
		},
		DefaultRouting: tak.DefaultRouting{Disabled: l.noDefaultRouting, Delimiter: l.delimiter,
			AllowedContracts: l.allowedContracts, AllowedSenders: l.allowedSenders},
	}
}

func printf(cmd *cobra.Command, format string, args ...any) {
	fmt.Fprintf(cmd.OutOrStdout(), format, args...)
}
