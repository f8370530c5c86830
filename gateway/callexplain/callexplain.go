// Package callexplain says why the gateway gave one logged call its
// answer: it re-runs the call's catalogue lookup at the time the call began
// and shows the route and permission entries used, the HSA path, the
// producer with how the gateway connects to it, the timeout applied and the
// VP code, and whether that matches what the exchange line recorded. `rivgate
// tak explain` (from a log file) and the gateway's admin /explain (from its
// recent calls) both answer with it.
package callexplain

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/rivgate/rivgate/contracts/vpfault"
	"github.com/rivgate/rivgate/gateway/config"
	"github.com/rivgate/rivgate/gateway/tak"
	"github.com/rivgate/rivgate/internal/exchangelog"
)

// Result is the explanation of the calls with one correlation id:
// `rivgate tak explain --json` prints it and the admin port's /explain
// answers with it.
type Result struct {
	// Catalogue names the catalogue the lookups were re-run against.
	Catalogue string `json:"catalogue"`
	Calls     []Call `json:"calls"`
}

// Call is one logged exchange and why it got its answer.
type Call struct {
	// Logged is the exchange line as the gateway wrote it.
	Logged *exchangelog.Entry `json:"logged"`
	// At is the moment the lookup was re-run: when the call began.
	At time.Time `json:"at"`
	// BeforeLookup is set when the gateway answered before consulting the
	// catalogue (VP002, VP003, VP011, VP013, VP014, VP015): the lookup is
	// shown for reference only.
	BeforeLookup bool `json:"beforeLookup,omitempty"`
	// Code is the catalogue's answer: OK or a VP fault.
	Code         string `json:"code"`
	FaultString  string `json:"faultstring,omitempty"`
	Detail       string `json:"detail,omitempty"`
	RoutingTrace string `json:"routingTrace,omitempty"`
	AuthTrace    string `json:"authTrace,omitempty"`
	// RouteKey is the receiver key whose routes answered; RouteVia says how
	// the lookup reached it (exact, hsa, default, default-routing).
	RouteKey string       `json:"routeKey,omitempty"`
	RouteVia string       `json:"routeVia,omitempty"`
	Routes   []Route      `json:"routes,omitempty"`
	AuthKey  string       `json:"authKey,omitempty"`
	AuthVia  string       `json:"authVia,omitempty"`
	Perms    []Permission `json:"permissions,omitempty"`
	Path     []string     `json:"hsaPath,omitempty"`
	Producer *Target      `json:"producer,omitempty"`
	// Timeout is the producer timeout the gateway applies to the contract,
	// and TimeoutFrom where it comes from.
	Timeout     string `json:"timeout"`
	TimeoutFrom string `json:"timeoutFrom"`
	// Matches says whether the re-run gives what the log says the catalogue
	// answered; Mismatch says how it differs.
	Matches  bool     `json:"matches"`
	Mismatch []string `json:"mismatch,omitempty"`
}

// Permission is a permission entry the lookup used.
type Permission struct {
	Sender   string    `json:"sender"`
	Receiver string    `json:"receiver"`
	Contract string    `json:"contract"`
	From     time.Time `json:"from,omitzero"`
	To       time.Time `json:"to,omitzero"`
	Origin   string    `json:"origin"`
}

// Target is the producer and how the gateway connects to it.
type Target struct {
	Address string `json:"address"`
	Profile string `json:"profile"`
	// Rewrite says the gateway rewrites the call's RIV-TA header to the
	// producer's profile.
	Rewrite bool   `json:"rewrite,omitempty"`
	TLS     string `json:"tls"`
}

// beforeLookup are the faults the gateway gives before the catalogue
// lookup; afterLookup those it gives after a successful one.
var (
	beforeLookup = []string{"VP002", "VP003", "VP011", "VP013", "VP014", "VP015"}
	afterLookup  = []string{"VP005", "VP009", "VP012"}
)

// Route is a route entry: the producer a call goes to.
type Route struct {
	Receiver string    `json:"receiver"`
	Contract string    `json:"contract"`
	Profile  string    `json:"profile"`
	Address  string    `json:"address"`
	From     time.Time `json:"from,omitzero"`
	To       time.Time `json:"to,omitzero"`
	Origin   string    `json:"origin"`
}

// Explain re-runs one logged call's lookup at when (zero: when the call
// began).
func Explain(cat *tak.Catalogue, e *exchangelog.Entry, when time.Time, cfg *config.Config) Call {
	if when.IsZero() {
		when = e.Start()
	}
	x := Call{Logged: e, At: when, BeforeLookup: slices.Contains(beforeLookup, e.VPCode)}
	x.Timeout, x.TimeoutFrom = timeoutFor(cfg, e.Contract)
	instance := ""
	if cfg != nil {
		instance = cfg.Instance.Name
	}
	if e.Sender == "" || e.Contract == "" || e.Receiver == "" {
		x.Code = "-"
		x.Mismatch = []string{"the line has no sender, contract or receiver (the call failed before they were known): nothing to look up"}
		x.Matches = x.BeforeLookup
		return x
	}
	q := tak.Query{Contract: e.Contract, Receiver: e.Receiver, Sender: e.Sender, At: when}
	var fault *vpfault.Fault
	if e.Platform {
		x.AuthTrace, fault = cat.Authorize(q)
		if steps := tak.TraceSteps(x.AuthTrace); fault == nil && len(steps) > 0 {
			x.AuthKey = steps[len(steps)-1]
			x.Perms = permsOf(cat.PermissionsFor(e.Sender, x.AuthKey, e.Contract), when)
		}
	} else {
		ex := cat.Explain(q)
		fault = ex.Fault
		x.RoutingTrace, x.AuthTrace = ex.RoutingTrace, ex.AuthTrace
		x.RouteKey, x.AuthKey, x.Path = ex.RouteKey, ex.AuthKey, ex.Path
		for _, r := range ex.Routes {
			x.Routes = append(x.Routes, Route{Receiver: r.Receiver, Contract: r.Contract, Profile: string(r.Profile),
				Address: r.Address, From: r.From, To: r.To, Origin: r.Origin})
		}
		x.Perms = permsOf(ex.Permissions, when)
		if ex.Route != nil {
			x.Producer = &Target{Address: ex.Route.Address, Profile: string(ex.Route.Profile),
				Rewrite: e.Profile != "" && !strings.EqualFold(e.Profile, string(ex.Route.Profile)), TLS: tlsOf(cfg, ex.Route.Address)}
		}
	}
	x.RouteVia = via(e.Receiver, x.RouteKey, x.RoutingTrace)
	x.AuthVia = via(e.Receiver, x.AuthKey, x.AuthTrace)
	if fault == nil {
		x.Code = "OK"
	} else {
		x.Code, x.Detail, x.FaultString = fault.Code.String(), fault.Detail, fault.FaultString(instance)
	}
	x.Matches, x.Mismatch = matchLog(e, &x)
	return x
}

// permsOf shows the permissions valid at at.
func permsOf(ps []*tak.Permission, at time.Time) []Permission {
	var out []Permission
	for _, p := range ps {
		if p.ValidAt(at) {
			out = append(out, Permission{Sender: p.Sender, Receiver: p.Receiver, Contract: p.Contract, From: p.From, To: p.To, Origin: p.Origin})
		}
	}
	return out
}

// via says how a lookup reached key from the call's receiver.
func via(receiver, key, trace string) string {
	switch {
	case key == "":
		return ""
	case strings.HasPrefix(trace, "(leaf)"):
		return "default-routing"
	case key == tak.DefaultReceiver:
		return "default"
	case strings.EqualFold(key, receiver):
		return "exact"
	}
	return "hsa"
}

// timeoutFor is the producer timeout the gateway applies to contract.
func timeoutFor(cfg *config.Config, contract string) (string, string) {
	if cfg == nil {
		return config.Default().Producers.Timeout.D().String(), "producers.timeout's default; --config gives the gateway's"
	}
	for k := range cfg.Producers.Timeouts {
		if strings.EqualFold(k, contract) {
			return cfg.Producers.TimeoutFor(contract).String(), "producers.timeouts[" + k + "]"
		}
	}
	return cfg.Producers.TimeoutFor(contract).String(), "producers.timeout"
}

// tlsOf says how the gateway connects to a producer address.
func tlsOf(cfg *config.Config, address string) string {
	if !strings.HasPrefix(strings.ToLower(address), "https://") {
		return "plain HTTP (x-vp-sender-id and x-vp-instance-id sent)"
	}
	if cfg == nil {
		return "TLS (give --config for the gateway's client certificate and trust)"
	}
	p := cfg.Producers
	s := "TLS"
	if p.Cert != "" {
		s += ", client certificate " + p.Cert
	} else {
		s += ", no client certificate"
	}
	if p.CA != "" {
		s += ", producer trusted by " + p.CA
	} else {
		s += ", producer trusted by the system roots"
	}
	if config.On(p.VerifyHostname) {
		s += ", hostname verified"
	} else {
		s += ", hostname not verified"
	}
	return s
}

// matchLog compares the re-run with what the gateway logged.
func matchLog(e *exchangelog.Entry, x *Call) (bool, []string) {
	if x.BeforeLookup {
		return true, []string{"the gateway answered " + e.VPCode + " before the catalogue lookup; the lookup is shown for reference"}
	}
	logged := e.VPCode
	if logged == "" || slices.Contains(afterLookup, logged) {
		logged = "OK"
	}
	var diff []string
	if logged != x.Code {
		diff = append(diff, fmt.Sprintf("the log says the catalogue answered %s, the re-run answers %s", logged, x.Code))
	}
	if !e.Platform && e.RoutingTrace != "" && e.RoutingTrace != x.RoutingTrace {
		diff = append(diff, fmt.Sprintf("routing trace: logged %q, re-run %q", e.RoutingTrace, x.RoutingTrace))
	}
	if e.AuthTrace != "" && e.AuthTrace != x.AuthTrace {
		diff = append(diff, fmt.Sprintf("authorisation trace: logged %q, re-run %q", e.AuthTrace, x.AuthTrace))
	}
	if x.Producer != nil && e.Producer != "" && e.Producer != x.Producer.Address {
		diff = append(diff, fmt.Sprintf("producer: logged %s, re-run %s", e.Producer, x.Producer.Address))
	}
	return len(diff) == 0, diff
}
