package takcmd

import (
	"time"

	"github.com/spf13/cobra"

	"github.com/rivgate/rivgate/cmd/rivgate/internal/cliutil"
	"github.com/rivgate/rivgate/gateway/platform"
	"github.com/rivgate/rivgate/gateway/tak/taklint"
)

func newLint() *cobra.Command {
	var (
		c         common
		at        string
		asJSON    bool
		platforms []string
	)
	cmd := &cobra.Command{
		Use:   "lint FILE...",
		Short: "Check TAK catalogues for what would fail at call time or what TAK refuses",
		Long: `Check one catalogue (several files are merged, e.g. VP's routes and
permissions files) and print each finding with the entries it is about:

  error   overlap       two routes for one receiver and contract valid at once (VP006)
  error   no-route      a permission no route serves, directly, via HSA or "*" (VP004)
  error   hsa-id, namespace, address   values outside TAK's validation rules
  error   address       empty address (VP010); not http(s) with a host, a port
                        outside 1-65535, or user:password@ in it (VP009;
                        shown masked)
  error   validity      tom before from
  warning profile       neither RIVTABP20 nor RIVTABP21 (VP005)
  warning expired       no longer valid
  warning overlap-permission, hsa-case
  warning platform-service  a permission for a service the gateway answers itself
                        (PingForConfiguration, GetLogicalAddresseesByServiceContract,
                        GetSupportedServiceContracts) with no route: give the
                        gateway's platform.logical_address with --platform-address
                        and those addressed to it need no route (others are no-route)

Exit codes: 0 no errors (warnings allowed); 1 errors found; 2 bad input.`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			loc, err := c.location()
			if err != nil {
				return err
			}
			now := time.Now()
			if at != "" {
				if now, err = time.Parse(time.RFC3339, at); err != nil {
					return cliutil.BadInput("--at %q: want RFC 3339: %w", at, err)
				}
			}
			d, err := readAll(args, loc)
			if err != nil {
				return err
			}
			var opt taklint.Options
			if len(c.hsaFiles) > 0 {
				if opt.Tree, err = c.tree(); err != nil {
					return err
				}
			}
			opt.Now, opt.Location = now, loc
			opt.PlatformContracts, opt.PlatformAddresses = platform.Contracts(), platforms
			fs := taklint.Check(d, opt)
			errs := 0
			for _, f := range fs {
				if f.Severity == taklint.Error {
					errs++
				}
			}
			if asJSON {
				out := struct {
					Files    []string          `json:"files"`
					Routes   int               `json:"routes"`
					Perms    int               `json:"permissions"`
					Errors   int               `json:"errors"`
					Warnings int               `json:"warnings"`
					Findings []taklint.Finding `json:"findings"`
				}{args, len(d.Routes), len(d.Permissions), errs, len(fs) - errs, fs}
				if out.Findings == nil {
					out.Findings = []taklint.Finding{}
				}
				if err := printJSON(cmd.OutOrStdout(), out); err != nil {
					return err
				}
			} else {
				for _, w := range d.Warnings {
					printf(cmd, "warning read: %s\n", w)
				}
				for _, f := range fs {
					printf(cmd, "%s\n", f)
				}
				printf(cmd, "%d routes, %d permissions: %d errors, %d warnings\n", len(d.Routes), len(d.Permissions), errs, len(fs)-errs)
			}
			if errs > 0 {
				return cliutil.Silent(cliutil.ExitFailures)
			}
			return nil
		},
	}
	fs := cmd.Flags()
	fs.StringVar(&at, "at", "", "judge expiry at this time (RFC 3339); default now")
	fs.BoolVar(&asJSON, "json", false, "print the findings as JSON")
	fs.StringArrayVar(&platforms, "platform-address", nil, "the gateway's platform.logical_address: permissions for its own platform services addressed to it need no route; repeat")
	c.register(fs)
	return cmd
}
