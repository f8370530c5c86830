package takcmd

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/spf13/cobra"

	"github.com/rivgate/rivgate/cmd/rivgate/internal/cliutil"
	"github.com/rivgate/rivgate/gateway/tak"
	"github.com/rivgate/rivgate/gateway/tak/hsa"
	"github.com/rivgate/rivgate/gateway/tak/takclient"
	"github.com/rivgate/rivgate/gateway/tak/takdata"
	"github.com/rivgate/rivgate/gateway/tak/takdiff"
	"github.com/rivgate/rivgate/internal/exchangelog"
)

// DiffResult is what `rivgate tak diff --json` prints: the sources, the
// preview (takdiff.Report's fields) and the replayed log's counts.
type DiffResult struct {
	Old *DiffSource `json:"old,omitempty"`
	New DiffSource  `json:"new"`
	*takdiff.Report
	Traffic *exchangelog.Traffic `json:"traffic,omitempty"`
	// Broken counts the calls (consumer, contract, receiver) that worked
	// and would fail, by the change or at a boundary; BrokenLogged those
	// of the replayed log, with their calls per day. The exit code is 1
	// when either is above 0.
	Broken             int     `json:"broken"`
	BrokenLogged       int     `json:"brokenLogged"`
	BrokenLoggedPerDay float64 `json:"brokenLoggedPerDay"`
}

// DiffSource names one side and counts its entries.
type DiffSource struct {
	Source      string `json:"source"`
	Routes      int    `json:"routes"`
	Permissions int    `json:"permissions"`
}

func newDiff() *cobra.Command {
	var (
		c       common
		lf      lookupFlags
		olds    []string
		news    []string
		at      string
		window  string
		calls   []string
		asJSON  bool
		limit   int
		timeout time.Duration
	)
	cmd := &cobra.Command{
		Use:   "diff OLD NEW | --old SRC... --new SRC... [--hsa FILE] [--at TIME] [--window 30d] [--calls LOG...]",
		Short: "Preview what a TAK change does to calls before it goes live",
		Long: `Compare two catalogues and show what the change does to the answers calls get:
the routes and permissions added, removed or changed (address, profile,
validity, filters) and, for each, every (consumer, contract, receiver) whose
answer moves, e.g. OK to VP004 (route gone), OK to VP007 (permission gone),
OK to VP006 (a new overlapping route), or to another producer. Every answer
is the gateway's own lookup, with VP's routing and authorisation traces on
both sides, HSA tree climbing (--hsa) and default routes ("*") included.
Receivers without entries of their own that answer alike are shown once,
as one unit standing for its group ("and 41 more units under X"), and
"any other receiver" stands for receivers in no entry at all.

A source is one or more TAK files in any supported format, or a live TAK
SokVagvalsInfo v2 URL (http:// or https://): OLD NEW, or --old/--new
repeated for sources of several files (e.g. VP's routes and permissions
files).

--calls LOG replays the calls of the gateway's JSON exchange log (repeat for
rotated files; - reads stdin) through both catalogues and lists those whose
answer would change, with their calls per day: the list to read before
publishing. It also covers VG#VE receivers, which the diff cannot enumerate.

--window 30d lists what changes in the new catalogue at each validity
boundary from --at to 30 days later (permissions and routes that lapse or
start), with the calls that break or start working then. With one source
(NEW, or only --new) it lists just that.

Exit codes: 0 nothing that works would break; 1 a call that worked would
fail (by the change, at a boundary in the window, or a logged call); 2 bad
input.`,
		Example: `  rivgate tak diff tak-2025-06.xml tak-2025-07.xml --hsa hsa.xml --calls gateway.log
  rivgate tak diff --old routes.xml --old perms.xml --new export.json --json
  rivgate tak diff http://tak-services:8080/tak-services/SokVagvalsInfo/v2 next.json
  rivgate tak diff --window 30d tak.json --calls gateway.log`,
		RunE: func(cmd *cobra.Command, args []string) error {
			oldSrc, newSrc, err := diffSources(args, olds, news, window != "")
			if err != nil {
				return err
			}
			loc, err := c.location()
			if err != nil {
				return err
			}
			when, err := parseAt(at)
			if err != nil {
				return err
			}
			span, err := parseWindow(window)
			if err != nil {
				return err
			}
			tree, err := c.tree()
			if err != nil {
				return err
			}
			opt := lf.options()
			res := DiffResult{}
			ctx := cmd.Context()
			// The two catalogues and the log are read at once: at national
			// scale each takes seconds.
			var (
				wg                   sync.WaitGroup
				oldCat, newCat       *tak.Catalogue
				oldErr, newErr, lErr error
			)
			wg.Go(func() { newCat, newErr = loadSource(ctx, newSrc, loc, tree, opt, timeout) })
			if oldSrc != nil {
				wg.Go(func() { oldCat, oldErr = loadSource(ctx, oldSrc, loc, tree, opt, timeout) })
			}
			if len(calls) > 0 {
				wg.Go(func() { res.Traffic, lErr = readTraffic(cmd.InOrStdin(), calls, loc) })
			}
			wg.Wait()
			if err := errors.Join(oldErr, newErr, lErr); err != nil {
				return cliutil.BadInput("%w", err)
			}
			res.New = sourceOf(newSrc, newCat)
			if oldSrc == nil {
				oldCat = newCat
			} else {
				o := sourceOf(oldSrc, oldCat)
				res.Old = &o
			}
			res.Report = takdiff.Diff(oldCat, newCat, takdiff.Options{At: when, Window: span, Traffic: res.Traffic})
			res.Broken = res.Report.BrokenEffects()
			res.BrokenLogged, res.BrokenLoggedPerDay = res.Report.BrokenCalls()
			if asJSON {
				if err := printJSON(cmd.OutOrStdout(), res); err != nil {
					return err
				}
			} else {
				p := diffPrinter{w: cmd.OutOrStdout(), loc: loc, limit: limit}
				p.print(&res)
			}
			if res.Broken > 0 || res.BrokenLogged > 0 {
				return cliutil.Silent(cliutil.ExitFailures)
			}
			return nil
		},
	}
	fs := cmd.Flags()
	fs.StringArrayVar(&olds, "old", nil, "the catalogue in use: a TAK file (any format) or a live TAK URL; repeat to merge")
	fs.StringArrayVar(&news, "new", nil, "the catalogue to publish: a TAK file (any format) or a live TAK URL; repeat to merge")
	fs.StringVar(&at, "at", "", "compare at this time (RFC 3339); default now")
	fs.StringVar(&window, "window", "", "also list what changes at each validity boundary of the new catalogue this long after --at (e.g. 30d, 72h)")
	fs.StringArrayVar(&calls, "calls", nil, "the gateway's JSON exchange log: replay its calls through both catalogues; repeat for rotated files, - for stdin")
	fs.BoolVar(&asJSON, "json", false, "print the preview as JSON (everything, no limit)")
	fs.IntVar(&limit, "limit", 10, "calls shown per change and per list in the text output; 0 shows all")
	fs.DurationVar(&timeout, "timeout", 60*time.Second, "bound on fetching a live TAK URL")
	c.register(fs)
	lf.register(fs)
	return cmd
}

// printJSON writes v as indented JSON without HTML escaping: every tak
// subcommand's --json output.
func printJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}

// diffSources reads OLD NEW (or NEW alone with a window) from the arguments
// or the --old/--new flags.
func diffSources(args, olds, news []string, window bool) (oldSrc, newSrc []string, err error) {
	switch {
	case len(args) > 0 && (len(olds) > 0 || len(news) > 0):
		return nil, nil, cliutil.BadInput("give the catalogues as OLD NEW or with --old/--new, not both")
	case len(args) == 2:
		return args[:1], args[1:], nil
	case len(args) == 1 && window:
		return nil, args, nil
	case len(args) > 0:
		return nil, nil, cliutil.BadInput("want OLD NEW (or NEW alone with --window); got %d arguments", len(args))
	case len(news) == 0:
		return nil, nil, cliutil.BadInput("nothing to compare: give OLD NEW, or --old SRC... --new SRC...")
	case len(olds) == 0 && !window:
		return nil, nil, cliutil.BadInput("--new without --old: give --old too, or --window to list the boundaries of one catalogue")
	}
	if len(olds) == 0 {
		return nil, news, nil
	}
	return olds, news, nil
}

// parseAt reads --at (RFC 3339); empty is now.
func parseAt(at string) (time.Time, error) {
	if at == "" {
		return time.Now(), nil
	}
	t, err := time.Parse(time.RFC3339, at)
	if err != nil {
		return time.Time{}, cliutil.BadInput("--at %q: want RFC 3339, e.g. 2025-06-01T12:00:00+02:00: %w", at, err)
	}
	return t, nil
}

// parseWindow reads --window: days ("30d") or a Go duration ("72h").
func parseWindow(s string) (time.Duration, error) {
	if s == "" {
		return 0, nil
	}
	var d time.Duration
	var err error
	if n, ok := strings.CutSuffix(s, "d"); ok {
		var days int
		days, err = strconv.Atoi(n)
		d = time.Duration(days) * 24 * time.Hour
	} else {
		d, err = time.ParseDuration(s)
	}
	if err != nil || d <= 0 {
		return 0, cliutil.BadInput("--window %q: want a positive number of days (30d) or a duration (72h)", s)
	}
	return d, nil
}

func isURL(s string) bool {
	l := strings.ToLower(s)
	return strings.HasPrefix(l, "http://") || strings.HasPrefix(l, "https://")
}

// loadSource reads one side, files and live TAK URLs merged in order, and
// builds its catalogue on the shared tree.
func loadSource(ctx context.Context, items []string, loc *time.Location, tree *hsa.Tree, opt tak.BuildOptions, timeout time.Duration) (*tak.Catalogue, error) {
	d := &takdata.Data{Source: strings.Join(items, " + ")}
	for _, it := range items {
		var x *takdata.Data
		var err error
		if isURL(it) {
			var c *takclient.Client
			if c, err = takclient.New(it, takclient.Options{Timeout: timeout, Location: loc}); err != nil {
				return nil, cliutil.BadInput("%s: %w", it, err)
			}
			if x, err = c.Fetch(ctx); err != nil {
				return nil, cliutil.BadInput("TAK %s: %w", it, err)
			}
		} else if x, err = readAll([]string{it}, loc); err != nil {
			return nil, err
		}
		d.Append(x)
	}
	return tak.Build(d, tree, opt), nil
}

func sourceOf(items []string, cat *tak.Catalogue) DiffSource {
	r, p := cat.Counts()
	return DiffSource{Source: strings.Join(items, " + "), Routes: r, Permissions: p}
}

// readTraffic counts the calls of the logs; "-" is stdin.
func readTraffic(stdin io.Reader, files []string, loc *time.Location) (*exchangelog.Traffic, error) {
	tr := exchangelog.NewTraffic(loc)
	for _, f := range files {
		if f == "-" {
			if err := tr.Read(stdin); err != nil {
				return nil, cliutil.BadInput("--calls -: %w", err)
			}
			continue
		}
		fh, err := os.Open(f)
		if err != nil {
			return nil, cliutil.BadInput("--calls: %w", err)
		}
		err = tr.Read(fh)
		_ = fh.Close()
		if err != nil {
			return nil, cliutil.BadInput("--calls %s: %w", f, err)
		}
	}
	return tr.Finish(), nil
}

// diffPrinter writes the text preview.
type diffPrinter struct {
	w     io.Writer
	loc   *time.Location
	limit int
}

func (p *diffPrinter) f(format string, args ...any) { fmt.Fprintf(p.w, format, args...) }

func (p *diffPrinter) print(r *DiffResult) {
	rep := r.Report
	p.f("TAK change preview at %s\n", rep.At.In(p.loc).Format(time.RFC3339))
	if r.Old != nil {
		p.f("old: %s: %d routes, %d permissions\n", r.Old.Source, r.Old.Routes, r.Old.Permissions)
		p.f("new: %s: %d routes, %d permissions\n", r.New.Source, r.New.Routes, r.New.Permissions)
		p.changes(rep.Changes, rep.Effects, rep.Calls, "", rep.At)
		p.f("\n%s\n", effectCounts("effects of the change", rep.Effects))
	} else {
		p.f("catalogue: %s: %d routes, %d permissions\n", r.New.Source, r.New.Routes, r.New.Permissions)
	}
	if r.Traffic != nil {
		t := r.Traffic
		p.f("\nlogged calls: %d lines, %d service calls, %d distinct calls", t.Lines, t.Exchanges, len(t.Calls))
		if !t.From.IsZero() {
			p.f(", %s to %s (%d days)", t.From.In(p.loc).Format("2006-01-02 15:04"), t.To.In(p.loc).Format("2006-01-02 15:04"), len(t.Days))
		}
		p.f("\n")
		for reason, n := range t.Skipped {
			p.f("  left out: %d %s\n", n, reason)
		}
		if r.Old != nil {
			p.calls("logged calls whose answer changes", rep.Calls, "")
		}
	}
	if !rep.WindowEnd.IsZero() {
		p.f("\nvalidity boundaries of the new catalogue to %s: %d\n", rep.WindowEnd.In(p.loc).Format(time.RFC3339), len(rep.Boundaries))
		for i, b := range rep.Boundaries {
			p.f("\n%s\n", p.instant(b.At))
			prefix := fmt.Sprintf("b%d.", i+1)
			p.changes(b.Changes, b.Effects, b.Calls, prefix, b.At)
			p.f("  %s\n", effectCounts("effects", b.Effects))
			if r.Traffic != nil {
				p.calls("  logged calls whose answer changes", b.Calls, prefix)
			}
		}
	}
	p.f("\nwould fail: %d calls (consumer, contract, receiver) that work", r.Broken)
	if !rep.WindowEnd.IsZero() {
		p.f(", now or at a boundary")
	}
	if r.Traffic != nil {
		p.f("; of the logged calls, %d (%.1f calls/day)", r.BrokenLogged, r.BrokenLoggedPerDay)
	}
	p.f("\n")
}

// instant shows a boundary: a local midnight as the date it starts.
func (p *diffPrinter) instant(t time.Time) string {
	if d, ok := takdata.CalendarDate(t, false, p.loc); ok {
		return "from " + d + " (" + t.In(p.loc).Format(time.RFC3339) + ")"
	}
	return "at " + t.In(p.loc).Format(time.RFC3339)
}

func effectCounts(what string, es []takdiff.Effect) string {
	n := map[takdiff.EffectKind]int{}
	routingOnly := 0
	for _, e := range es {
		if e.Sender == "" {
			routingOnly++
			continue
		}
		n[e.Kind]++
	}
	s := fmt.Sprintf("%s: %d broken, %d moved, %d refaulted, %d fixed", what, n[takdiff.Broken], n[takdiff.Moved], n[takdiff.Refaulted], n[takdiff.Fixed])
	if routingOnly > 0 {
		s += fmt.Sprintf("; %d for routing alone (no consumer may call)", routingOnly)
	}
	return s
}

// changes prints each change with the calls it moves.
func (p *diffPrinter) changes(cs []takdiff.Change, effects, calls []takdiff.Effect, prefix string, at time.Time) {
	for i, c := range cs {
		p.f("\n[%s%d] %s %s  %s\n", prefix, i+1, c.Entry, c.Kind, p.entryLine(c))
		if !c.Live {
			p.f("    no effect at this moment: %s\n", notLive(c, at))
			continue
		}
		if len(c.Effects) == 0 {
			p.f("    no call's answer changes\n")
		}
		for j, ei := range c.Effects {
			if p.limit > 0 && j == p.limit {
				p.f("    ... and %d more (--limit 0 shows all)\n", len(c.Effects)-j)
				break
			}
			p.effect("    ", effects[ei], prefix)
		}
		if len(c.Calls) > 0 {
			total := 0.0
			for _, ci := range c.Calls {
				total += calls[ci].CallsPerDay
			}
			p.f("    logged calls changed: %d distinct, %.1f calls/day\n", len(c.Calls), total)
		}
	}
}

// notLive says why a change moves no answer at the moment compared.
func notLive(c takdiff.Change, at time.Time) string {
	if c.Kind == takdiff.Starts || c.Kind == takdiff.Ends {
		return "what its key holds does not change at this instant (another entry takes over, or still answers)"
	}
	inForce := func(en *takdiff.Entry) bool {
		if en == nil {
			return false
		}
		v := takdata.Validity{From: en.From, To: en.To}
		return v.ValidAt(at)
	}
	if !inForce(c.Old) && !inForce(c.New) {
		return "the entry is not in force then, on either side"
	}
	return "what its key holds then is the same on both sides (e.g. another entry already answers, or overlaps)"
}

// entryLine shows an entry, or for a changed one what changed.
func (p *diffPrinter) entryLine(c takdiff.Change) string {
	en := c.New
	if en == nil {
		en = c.Old
	}
	s := en.Receiver + "  " + en.Contract
	if en.Sender != "" {
		s = en.Sender + " -> " + s
	}
	if c.Kind == takdiff.Changed {
		var parts []string
		for _, f := range c.Fields {
			switch f {
			case "address":
				parts = append(parts, fmt.Sprintf("address %s -> %s", quoteEmpty(c.Old.Address), quoteEmpty(c.New.Address)))
			case "profile":
				parts = append(parts, fmt.Sprintf("profile %s -> %s", c.Old.Profile, c.New.Profile))
			case "validity":
				parts = append(parts, fmt.Sprintf("valid %s -> %s", p.validity(c.Old), p.validity(c.New)))
			case "filters":
				parts = append(parts, "filters")
			}
		}
		return s + "\n    " + strings.Join(parts, "; ") + "  (" + origin(c.Old) + " -> " + origin(c.New) + ")"
	}
	if en.Producer != nil {
		s += "\n    " + en.Profile + " " + quoteEmpty(en.Address)
	} else {
		s += "\n   "
	}
	return s + " valid " + p.validity(en) + "  (" + origin(en) + ")"
}

func quoteEmpty(s string) string {
	if s == "" {
		return `""`
	}
	return s
}

func origin(en *takdiff.Entry) string {
	if en.Origin != "" {
		return en.Origin
	}
	if en.ID != "" {
		return "id " + en.ID
	}
	return "?"
}

func (p *diffPrinter) validity(en *takdiff.Entry) string {
	return day(en.From, false, p.loc) + " to " + day(en.To, true, p.loc)
}

// effect prints one call: who, the two answers, and the traces.
func (p *diffPrinter) effect(indent string, e takdiff.Effect, prefix string) {
	who := e.Sender
	if who == "" {
		who = "(routing alone: no consumer may call)"
	}
	recv := e.Receiver
	switch {
	case e.OtherReceivers:
		recv = "any other receiver"
	case e.Units > 1:
		recv = fmt.Sprintf("%s and %d more units under %s", e.Receiver, e.Units-1, e.Under)
	case e.Units == 1:
		recv = fmt.Sprintf("%s (no entries of its own; under %s)", e.Receiver, e.Under)
	}
	platform := ""
	if e.Platform {
		platform = " (platform service: authorisation only)"
	}
	p.f("%s%-9s %s -> %s%s: %s -> %s\n", indent, e.Kind, who, recv, platform, outcomeText(e.Old, e.Receiver), outcomeText(e.New, e.Receiver))
	p.f("%s          old: %s\n", indent, traces(e.Old))
	p.f("%s          new: %s\n", indent, traces(e.New))
	if len(e.Causes) > 0 && e.Traffic != nil {
		var cs []string
		for _, c := range e.Causes {
			cs = append(cs, fmt.Sprintf("[%s%d]", prefix, c+1))
		}
		p.f("%s          caused by %s\n", indent, strings.Join(cs, " "))
	}
}

// outcomeText is one side's answer: the producer (and how it was found), or
// the fault and what it means.
func outcomeText(o takdiff.Outcome, receiver string) string {
	if o.Code != takdiff.OK {
		why := map[string]string{
			"VP004": "no route", "VP006": "more than one route valid", "VP007": "no permission", "VP010": "empty producer address",
		}[o.Code]
		if why != "" {
			return o.Code + " (" + why + ")"
		}
		return o.Code
	}
	if o.Address == "" {
		return "OK" // a platform service: authorised
	}
	s := "OK " + o.Address + " (" + o.Profile
	switch {
	case o.RouteKey == tak.DefaultReceiver:
		s += ", default route *"
	case o.RouteKey != "" && !strings.EqualFold(o.RouteKey, receiver):
		s += ", via " + o.RouteKey
	}
	return s + ")"
}

func traces(o takdiff.Outcome) string {
	s := "routing " + orDash(o.RoutingTrace)
	if o.AuthTrace != "" {
		s += "; authorisation " + o.AuthTrace
	}
	return s
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// calls prints replayed calls, most frequent first.
func (p *diffPrinter) calls(title string, es []takdiff.Effect, prefix string) {
	total, broken := 0.0, 0.0
	for _, e := range es {
		total += e.CallsPerDay
		if e.Kind == takdiff.Broken {
			broken += e.CallsPerDay
		}
	}
	p.f("%s: %d distinct, %.1f calls/day (%.1f/day would break)\n", title, len(es), total, broken)
	for i, e := range es {
		if p.limit > 0 && i == p.limit {
			p.f("    ... and %d more (--limit 0 shows all)\n", len(es)-i)
			break
		}
		p.f("  %9.1f/day  %s\n", e.CallsPerDay, e.Contract)
		p.effect("    ", e, prefix)
	}
}
