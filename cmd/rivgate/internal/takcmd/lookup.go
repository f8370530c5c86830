package takcmd

import (
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/rivgate/rivgate/cmd/rivgate/internal/cliutil"
	"github.com/rivgate/rivgate/contracts/rivta"
	"github.com/rivgate/rivgate/contracts/vpfault"
	"github.com/rivgate/rivgate/gateway/callexplain"
	"github.com/rivgate/rivgate/gateway/tak"
	"github.com/rivgate/rivgate/gateway/tak/takdata"
)

// LookupResult is what `rivgate tak lookup --json` prints.
type LookupResult struct {
	Contract     string       `json:"contract"`
	Receiver     string       `json:"receiver"`
	Sender       string       `json:"sender,omitempty"`
	At           time.Time    `json:"at"`
	Route        *LookupRoute `json:"route"`
	Fault        *LookupFault `json:"fault"`
	RoutingTrace string       `json:"routingTrace"`
	AuthTrace    string       `json:"authTrace,omitempty"`
	// Notes are hints beyond VP's answer (e.g. a profile VP cannot speak).
	Notes []string `json:"notes,omitempty"`
}

// LookupRoute is the producer a call goes to.
type LookupRoute = callexplain.Route

// LookupFault is VP's answer when the call cannot go through.
type LookupFault struct {
	Code        string `json:"code"`
	FaultCode   string `json:"faultcode"`
	FaultString string `json:"faultstring"`
	Detail      string `json:"detail"`
}

func newLookup() *cobra.Command {
	var (
		c        common
		lf       lookupFlags
		files    []string
		contract string
		receiver string
		sender   string
		at       string
		asJSON   bool
		instance string
	)
	cmd := &cobra.Command{
		Use:   "lookup --tak FILE [--hsa FILE] --contract NS --receiver R [--sender S]",
		Short: "Answer where a call would go, and whether the consumer may make it, as VP",
		Long: `Decide one call as VP does: routing (VG#VE default routing, exact receiver,
HSA tree walk, "*"), then, with --sender, authorisation (exact, "*", tree walk).
Prints the producer address and RIV-TA profile, or the VP fault (code, Swedish
faultstring, English detail), and VP's routing and authorisation traces.

Exit codes: 0 routed (and authorised, with --sender); 1 the answer is a VP
fault; 2 bad input.`,
		Example: `  rivgate tak lookup --tak tak-vagval-test.xml --tak tak-behorigheter-test.xml \
    --hsa hsacache.xml --hsa hsacachecomplementary.xml \
    --contract urn:riv:clinicalprocess:activity:actions:GetActivitiesResponder:1 \
    --receiver SE0000000001-1234 --sender SenderWithDefaultBehorighet`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			// An empty --receiver is a call VP answers too: given is set.
			if err := cliutil.RequireFlags(cliutil.Need{Flag: "--tak FILE", Given: len(files) > 0},
				cliutil.Need{Flag: "--contract", Given: cmd.Flags().Changed("contract")},
				cliutil.Need{Flag: "--receiver", Given: cmd.Flags().Changed("receiver")}); err != nil {
				return err
			}
			loc, err := c.location()
			if err != nil {
				return err
			}
			when := time.Now()
			if at != "" {
				if when, err = time.Parse(time.RFC3339, at); err != nil {
					return cliutil.BadInput("--at %q: want RFC 3339, e.g. 2025-06-01T12:00:00+02:00: %w", at, err)
				}
			}
			d, err := readAll(files, loc)
			if err != nil {
				return err
			}
			tree, err := c.tree()
			if err != nil {
				return err
			}
			cat := tak.Build(d, tree, lf.options())
			res := decide(cat, tak.Query{Contract: contract, Receiver: receiver, Sender: sender, At: when}, cmd.Flags().Changed("sender"), instance)
			if asJSON {
				if err := printJSON(cmd.OutOrStdout(), res); err != nil {
					return err
				}
			} else {
				printLookup(cmd, res, loc)
			}
			if res.Fault != nil {
				return cliutil.Silent(cliutil.ExitFailures)
			}
			return nil
		},
	}
	fs := cmd.Flags()
	fs.StringArrayVar(&files, "tak", nil, "TAK file in any supported format; repeat to merge (e.g. VP's routes and permissions files)")
	fs.StringVar(&contract, "contract", "", "service contract namespace (of the first Body child)")
	fs.StringVar(&receiver, "receiver", "", "receiver as the call carries it (To / LogicalAddress), not trimmed")
	fs.StringVar(&sender, "sender", "", "consumer HSA-id; without it only routing is decided")
	fs.StringVar(&at, "at", "", "decide at this time (RFC 3339); default now")
	fs.BoolVar(&asJSON, "json", false, "print the answer as JSON")
	fs.StringVar(&instance, "instance", "", "VP instance name for the faultstring, as in \"VP004 [NTjP Remote] ...\"")
	c.register(fs)
	lf.register(fs)
	return cmd
}

// decide answers q, applying VP's checks that come before the lookups: an
// empty or blank receiver is VP003, a sender given empty is VP002.
func decide(cat *tak.Catalogue, q tak.Query, withSender bool, instance string) LookupResult {
	res := LookupResult{Contract: q.Contract, Receiver: q.Receiver, Sender: q.Sender, At: q.At}
	var fault *vpfault.Fault
	switch {
	case strings.TrimSpace(q.Receiver) == "":
		fault = vpfault.New(vpfault.VP003, "")
	case withSender && q.Sender == "":
		fault = vpfault.New(vpfault.VP002, "")
	default:
		d := cat.Decide(q)
		fault = d.Fault
		res.RoutingTrace, res.AuthTrace = d.RoutingTrace, d.AuthTrace
		if d.Route != nil {
			res.Route = &LookupRoute{Receiver: d.Route.Receiver, Contract: d.Route.Contract, Profile: string(d.Route.Profile),
				Address: d.Route.Address, From: d.Route.From, To: d.Route.To, Origin: d.Route.Origin}
			if _, err := rivta.ParseProfile(string(d.Route.Profile)); err != nil {
				res.Notes = append(res.Notes, "profile "+string(d.Route.Profile)+" is neither RIVTABP20 nor RIVTABP21: the gateway answers VP005 when it forwards")
			}
		}
	}
	if fault != nil {
		res.Fault = &LookupFault{Code: fault.Code.String(), FaultCode: string(fault.Code.Side()), FaultString: fault.FaultString(instance), Detail: fault.Detail}
	}
	return res
}

func printLookup(cmd *cobra.Command, r LookupResult, loc *time.Location) {
	if r.Route != nil && r.Fault == nil {
		printf(cmd, "route:   %s (%s)\n", r.Route.Address, r.Route.Profile)
	}
	if r.Route != nil {
		printf(cmd, "entry:   receiver %s, valid %s to %s (%s)\n", r.Route.Receiver, day(r.Route.From, false, loc), day(r.Route.To, true, loc), r.Route.Origin)
	}
	if r.Fault != nil {
		printf(cmd, "fault:   %s\n", r.Fault.FaultString)
		printf(cmd, "detail:  %s\n", r.Fault.Detail)
	}
	printf(cmd, "routing trace:       %s\n", r.RoutingTrace)
	if r.AuthTrace != "" {
		printf(cmd, "authorisation trace: %s\n", r.AuthTrace)
	}
	for _, n := range r.Notes {
		printf(cmd, "note:    %s\n", n)
	}
}

func day(t time.Time, end bool, loc *time.Location) string {
	if t.IsZero() {
		return "unbounded"
	}
	if d, ok := takdata.CalendarDate(t, end, loc); ok {
		return d
	}
	return t.In(loc).Format(time.RFC3339)
}
