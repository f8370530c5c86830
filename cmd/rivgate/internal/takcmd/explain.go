package takcmd

import (
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/rivgate/rivgate/cmd/rivgate/internal/cliutil"
	"github.com/rivgate/rivgate/gateway"
	"github.com/rivgate/rivgate/gateway/callexplain"
	"github.com/rivgate/rivgate/gateway/config"
	"github.com/rivgate/rivgate/gateway/tak"
	"github.com/rivgate/rivgate/gateway/tak/hsa"
	"github.com/rivgate/rivgate/gateway/tak/takdata"
	"github.com/rivgate/rivgate/internal/exchangelog"
)

// ExplainResult is what `rivgate tak explain --json` prints.
type ExplainResult = callexplain.Result

// ExplainedCall is one logged exchange and why it got its answer.
type ExplainedCall = callexplain.Call

func newExplain() *cobra.Command {
	var (
		c       common
		lf      lookupFlags
		logs    []string
		corr    string
		files   []string
		cfgFile string
		at      string
		asJSON  bool
		timeout time.Duration
	)
	cmd := &cobra.Command{
		Use:   "explain --log FILE --correlation ID (--tak SRC... [--hsa FILE] | --config gateway.yaml)",
		Short: "Explain one logged call: the catalogue entries, HSA path, producer and timeout behind its answer",
		Long: `Find the exchange line of a correlation id in the gateway's JSON exchange log
and re-run its lookup against the catalogue, at the time the call began, to
show why it got its answer: the route and permission entries the lookup used
(receiver key, producer address, RIV-TA profile, validity, file and line),
how it reached them (exact receiver, HSA ancestor, default route "*", VG#VE
token), the receiver's HSA tree path, the producer with how the gateway
connects to it, the producer timeout applied, and the VP code, with VP's
traces. It says whether the re-run matches what the log recorded: a mismatch
means the catalogue given is not the one in use when the call was made.

The catalogue is --tak (files in any format or a live TAK URL, repeat to
merge) with --hsa, or the tak section of --config (the gateway's own
gateway.yaml, which also gives the timeouts, lookup settings and instance
name). A correlation id that several calls share is explained for each.
For one of its latest calls the running gateway answers the same JSON on
its admin port: GET /explain?correlation=ID.

Exit codes: 0 explained, matching the log; 1 the re-run differs from the log;
2 bad input, or the id is not in the log.`,
		Example: `  journalctl -u rivgate -o cat > gw.log
  rivgate tak explain --log gw.log --correlation 3f2a0c4e-9d1b-4c8a-b7e5-1f0d2c3b4a59 -c /etc/rivgate/gateway.yaml
  rivgate tak explain --log gw.log --correlation 3f2a0c4e --tak tak.json --hsa hsa.xml --json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if len(logs) == 0 || corr == "" {
				return cliutil.BadInput("--log FILE and --correlation ID are required")
			}
			var cfg *config.Config
			if cfgFile != "" {
				var err error
				if cfg, err = config.Load(cfgFile); err != nil {
					return cliutil.BadInput("%w", err)
				}
			}
			src, hsaFiles, opt, loc, err := explainSetup(cmd, cfg, files, &c, &lf)
			if err != nil {
				return err
			}
			entries, err := findCalls(cmd.InOrStdin(), logs, corr)
			if err != nil {
				return err
			}
			if len(entries) == 0 {
				return cliutil.BadInput("correlation id %q: no exchange line in %s", corr, strings.Join(logs, ", "))
			}
			var tree *hsa.Tree
			if len(hsaFiles) == 0 {
				tree = &hsa.Tree{}
			} else if tree, err = hsa.Load(hsaFiles...); err != nil {
				return cliutil.BadInput("%w", err)
			}
			cat, err := loadSource(cmd.Context(), src, loc, tree, opt, timeout)
			if err != nil {
				return err
			}
			var when time.Time
			if at != "" {
				if when, err = parseAt(at); err != nil {
					return err
				}
			}
			res := ExplainResult{Catalogue: strings.Join(src, " + ")}
			for _, e := range entries {
				res.Calls = append(res.Calls, callexplain.Explain(cat, e, when, cfg))
			}
			if asJSON {
				if err := printJSON(cmd.OutOrStdout(), res); err != nil {
					return err
				}
			} else {
				for i, x := range res.Calls {
					if i > 0 {
						printf(cmd, "\n")
					}
					printExplained(cmd.OutOrStdout(), x, res.Catalogue, loc)
				}
			}
			for _, x := range res.Calls {
				if !x.Matches {
					return cliutil.Silent(cliutil.ExitFailures)
				}
			}
			return nil
		},
	}
	fs := cmd.Flags()
	fs.StringArrayVar(&logs, "log", nil, "the gateway's JSON exchange log; repeat for rotated files, - for stdin")
	fs.StringVar(&corr, "correlation", "", "the call's correlation id (x-skltp-correlation-id, correlation_id in the log)")
	fs.StringArrayVar(&files, "tak", nil, "the catalogue: TAK file (any format) or live TAK URL; repeat to merge (default: --config's tak section)")
	fs.StringVarP(&cfgFile, "config", "c", "", "the gateway's configuration: timeouts, lookup settings, instance name, and the catalogue unless --tak is given")
	fs.StringVar(&at, "at", "", "re-run at this time (RFC 3339) instead of when the call began")
	fs.BoolVar(&asJSON, "json", false, "print the explanation as JSON")
	fs.DurationVar(&timeout, "timeout", 60*time.Second, "bound on fetching a live TAK URL")
	c.register(fs)
	lf.register(fs)
	return cmd
}

// explainSetup picks the catalogue sources, HSA files, lookup settings and
// zone: the flags, else the gateway configuration's tak section.
func explainSetup(cmd *cobra.Command, cfg *config.Config, files []string, c *common, lf *lookupFlags) (src, hsaFiles []string, opt tak.BuildOptions, loc *time.Location, err error) {
	src, hsaFiles, opt = files, c.hsaFiles, lf.options()
	if cfg == nil {
		if len(src) == 0 {
			return nil, nil, opt, nil, cliutil.BadInput("no catalogue: give --tak SRC or --config gateway.yaml")
		}
		loc, err = c.location()
		return src, hsaFiles, opt, loc, err
	}
	if len(src) == 0 {
		src = slices.Clone(cfg.TAK.Files)
		if cfg.TAK.URL != "" {
			src = append(src, cfg.TAK.URL)
		}
		if len(src) == 0 {
			return nil, nil, opt, nil, cliutil.BadInput("%s: the tak section names no files or url; give --tak", cfg.File)
		}
	}
	if !cmd.Flags().Changed("hsa") {
		hsaFiles = cfg.TAK.HSAFiles
	}
	if !lookupFlagsChanged(cmd) {
		opt = gateway.LookupOptions(cfg)
	}
	zone := cfg.TAK.Timezone
	if cmd.Flags().Changed("zone") {
		zone = c.zone
	}
	if loc, err = takdata.LoadZone(zone); err != nil {
		return nil, nil, opt, nil, cliutil.BadInput("zone: %w", err)
	}
	return src, hsaFiles, opt, loc, nil
}

func lookupFlagsChanged(cmd *cobra.Command) bool {
	for _, f := range []string{"no-tree-routing", "no-tree-auth", "tree-except-routing", "tree-except-auth", "no-default-routing", "delimiter", "default-routing-contract", "default-routing-sender"} {
		if cmd.Flags().Changed(f) {
			return true
		}
	}
	return false
}

// findCalls reads the exchange lines of id from each log; "-" is stdin.
func findCalls(stdin io.Reader, logs []string, id string) ([]*exchangelog.Entry, error) {
	var out []*exchangelog.Entry
	for _, f := range logs {
		var es []*exchangelog.Entry
		var err error
		if f == "-" {
			es, err = exchangelog.Find(stdin, id)
		} else {
			fh, oerr := os.Open(f)
			if oerr != nil {
				return nil, cliutil.BadInput("--log: %w", oerr)
			}
			es, err = exchangelog.Find(fh, id)
			_ = fh.Close()
		}
		if err != nil {
			return nil, cliutil.BadInput("--log %s: %w", f, err)
		}
		out = append(out, es...)
	}
	return out, nil
}

func printExplained(w io.Writer, x ExplainedCall, catalogue string, loc *time.Location) {
	f := func(format string, args ...any) { fmt.Fprintf(w, format, args...) }
	e := x.Logged
	f("call:        %s, logged %s (line %d", e.CorrelationID, e.Time.In(loc).Format(time.RFC3339), e.Line)
	if e.Instance != "" {
		f(", instance %s", e.Instance)
	}
	f(")\n")
	f("             %s -> %s  %s", orDash(e.Sender), orDash(e.Receiver), orDash(e.Contract))
	if e.Profile != "" {
		f(" (%s)", e.Profile)
	}
	if e.Platform {
		f(" (platform service: authorisation only)")
	}
	f("\n")
	f("logged:      %s, HTTP %d, producer %s, %.1f ms\n", codeOrOK(e.VPCode), e.Status, orDash(e.Producer), e.TotalMS)
	f("re-run:      at %s against %s\n", x.At.In(loc).Format("2006-01-02T15:04:05.000Z07:00"), catalogue)
	if x.Code == "-" {
		f("answer:      -\n")
	} else if x.FaultString != "" {
		f("answer:      %s\ndetail:      %s\n", x.FaultString, x.Detail)
	} else {
		f("answer:      OK\n")
	}
	if x.RouteKey != "" {
		f("route:       key %s (%s)\n", x.RouteKey, viaText(x.RouteVia))
		for _, r := range x.Routes {
			f("  entry:     %s %s %s, valid %s to %s (%s)\n", r.Receiver, r.Profile, quoteEmpty(r.Address), day(r.From, false, loc), day(r.To, true, loc), r.Origin)
		}
	}
	if x.AuthKey != "" {
		f("permission:  key %s (%s)\n", x.AuthKey, viaText(x.AuthVia))
		for _, p := range x.Perms {
			f("  entry:     %s -> %s, valid %s to %s (%s)\n", p.Sender, p.Receiver, day(p.From, false, loc), day(p.To, true, loc), p.Origin)
		}
	}
	if len(x.Path) > 0 {
		f("HSA path:    %s\n", strings.Join(x.Path, " > "))
	}
	if x.Producer != nil {
		f("producer:    %s (%s)", x.Producer.Address, x.Producer.Profile)
		if x.Producer.Rewrite {
			f(", the call's %s header rewritten to it", e.Profile)
		}
		f("\n             %s\n", x.Producer.TLS)
	}
	f("timeout:     %s (%s)\n", x.Timeout, x.TimeoutFrom)
	if x.RoutingTrace != "" {
		f("routing trace:       %s\n", x.RoutingTrace)
	}
	if x.AuthTrace != "" {
		f("authorisation trace: %s\n", x.AuthTrace)
	}
	switch {
	case x.Matches && len(x.Mismatch) == 0:
		f("matches the log\n")
	case x.Matches:
		for _, m := range x.Mismatch {
			f("note:        %s\n", m)
		}
	default:
		for _, m := range x.Mismatch {
			f("DIFFERS:     %s\n", m)
		}
		f("             (the catalogue given is not the one the gateway used then)\n")
	}
}

func codeOrOK(code string) string {
	if code == "" {
		return "OK"
	}
	return code
}

func viaText(v string) string {
	return map[string]string{
		"exact": "the receiver's own", "hsa": "an HSA ancestor's, by tree climbing", "default": `the default "*"`,
		"default-routing": "a VG#VE token's",
	}[v]
}
