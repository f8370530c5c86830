package takcmd_test

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/rivgate/rivgate/cmd/rivgate/internal/takcmd"
	"github.com/rivgate/rivgate/gateway/tak"
	"github.com/rivgate/rivgate/gateway/tak/takdata"
	"github.com/rivgate/rivgate/gateway/tak/takdiff"
	"github.com/rivgate/rivgate/gateway/tak/takformat"
	"github.com/rivgate/rivgate/gateway/tak/taktest"
	"github.com/rivgate/rivgate/internal/testutil"
)

// diffJSON runs `rivgate tak diff --json` and decodes the result.
func diffJSON(t *testing.T, args ...string) (takcmd.DiffResult, int) {
	t.Helper()
	out, stderr, code := run(t, append([]string{"diff", "--json"}, args...)...)
	var res takcmd.DiffResult
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatalf("exit %d, output is not JSON: %v\n%s%s", code, err, out, stderr)
	}
	return res, code
}

func effectLines(es []takdiff.Effect) []string {
	var out []string
	for _, e := range es {
		recv := e.Receiver
		if e.Units > 0 {
			recv += fmt.Sprintf("[%d under %s]", e.Units, e.Under)
		}
		out = append(out, fmt.Sprintf("%s %s %s %s->%s", e.Kind, e.Sender, recv, e.Old.Code, e.New.Code))
	}
	return out
}

const (
	oldYAML = `routes:
  - {receiver: SE1-CLINIC, contract: "urn:riv:t:AResponder:1", profile: RIVTABP21, address: "https://a.example.se/a"}
  - {receiver: SE1-LAB, contract: "urn:riv:t:AResponder:1", profile: RIVTABP21, address: "https://lab.example.se/a"}
  - {receiver: "*", contract: "urn:riv:t:BResponder:1", profile: RIVTABP21, address: "https://agg.example.se/b"}
permissions:
  - {sender: SE1-CONS, receiver: SE1-CLINIC, contract: "urn:riv:t:AResponder:1"}
  - {sender: SE1-CONS, receiver: SE1-LAB, contract: "urn:riv:t:AResponder:1", to: 2025-12-31}
  - {sender: SE1-CONS, receiver: "*", contract: "urn:riv:t:BResponder:1"}
`
	// The new catalogue: the clinic's producer moves, the lab's permission
	// ends on 31 May, the default route for B goes, a new lab route
	// overlaps the old one from 10 June.
	newYAML = `routes:
  - {receiver: SE1-CLINIC, contract: "urn:riv:t:AResponder:1", profile: RIVTABP21, address: "https://a2.example.se/a"}
  - {receiver: SE1-LAB, contract: "urn:riv:t:AResponder:1", profile: RIVTABP21, address: "https://lab.example.se/a"}
  - {receiver: SE1-LAB, contract: "urn:riv:t:AResponder:1", profile: RIVTABP21, address: "https://lab2.example.se/a", from: 2025-06-10}
permissions:
  - {sender: SE1-CONS, receiver: SE1-CLINIC, contract: "urn:riv:t:AResponder:1"}
  - {sender: SE1-CONS, receiver: SE1-LAB, contract: "urn:riv:t:AResponder:1", to: 2025-05-31}
  - {sender: SE1-CONS, receiver: "*", contract: "urn:riv:t:BResponder:1"}
`
)

// TestDiffCommand: the effects of a hand-made change through the command,
// JSON and text, its exit codes, the window and a replayed log (a file and
// stdin).
func TestDiffCommand(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	oldF, newF := filepath.Join(dir, "old.yaml"), filepath.Join(dir, "new.yaml")
	write(t, oldF, oldYAML)
	write(t, newF, newYAML)
	at := "2025-06-01T12:00:00+02:00"

	res, code := diffJSON(t, oldF, newF, "--at", at)
	want := []string{
		"broken SE1-CONS SE1-LAB OK->VP007",
		"broken SE1-CONS (other) OK->VP004",
		"moved SE1-CONS SE1-CLINIC OK->OK",
	}
	if code != 1 || strings.Join(effectLines(res.Effects), "\n") != strings.Join(want, "\n") || res.Broken != 2 {
		t.Fatalf("exit %d, broken %d, effects:\n%s", code, res.Broken, strings.Join(effectLines(res.Effects), "\n"))
	}
	if res.Old.Routes != 3 || res.New.Routes != 3 || len(res.Changes) != 4 {
		t.Errorf("sources %+v %+v, %d changes", res.Old, res.New, len(res.Changes))
	}

	// The text output names each change with the calls it moves and their
	// traces.
	out, _, code := run(t, "diff", oldF, newF, "--at", at)
	for _, w := range []string{
		"[1] route changed  SE1-CLINIC  urn:riv:t:AResponder:1\n    address https://a.example.se/a -> https://a2.example.se/a",
		"moved     SE1-CONS -> SE1-CLINIC: OK https://a.example.se/a (RIVTABP21) -> OK https://a2.example.se/a (RIVTABP21)",
		"route added  SE1-LAB  urn:riv:t:AResponder:1",
		"no effect at this moment: the entry is not in force then, on either side",
		"route removed  *  urn:riv:t:BResponder:1",
		"broken    SE1-CONS -> any other receiver: OK https://agg.example.se/b (RIVTABP21, default route *) -> VP004 (no route)",
		"old: routing (other),(parent),SE,(default),*; authorisation (other),(default),*",
		"permission changed  SE1-CONS -> SE1-LAB  urn:riv:t:AResponder:1\n    valid unbounded to 2025-12-31 -> unbounded to 2025-05-31",
		"broken    SE1-CONS -> SE1-LAB: OK https://lab.example.se/a (RIVTABP21) -> VP007 (no permission)",
		"effects of the change: 2 broken, 1 moved, 0 refaulted, 0 fixed",
		"would fail: 2 calls (consumer, contract, receiver) that work\n",
	} {
		if !strings.Contains(out, w) || code != 1 {
			t.Errorf("exit %d; text output lacks %q:\n%s", code, w, out)
		}
	}

	// Nothing changed: exit 0.
	if res, code := diffJSON(t, oldF, oldF, "--at", at); code != 0 || len(res.Changes) != 0 || len(res.Effects) != 0 {
		t.Errorf("same catalogue: exit %d, %+v", code, res.Report)
	}

	// The window over the new catalogue alone: the lab's new route
	// overlaps from 10 June, when no consumer may call the lab any more
	// (routing alone: exit 0).
	res, code = diffJSON(t, newF, "--window", "30d", "--at", at)
	if code != 0 || res.Old != nil || len(res.Boundaries) != 1 {
		t.Fatalf("window: exit %d, %+v", code, res.Boundaries)
	}
	b := res.Boundaries[0]
	if !b.At.Equal(time.Date(2025, 6, 10, 0, 0, 0, 0, stockholm(t))) || strings.Join(effectLines(b.Effects), "\n") != "broken  SE1-LAB OK->VP006" {
		t.Errorf("boundary %s: %v", b.At, effectLines(b.Effects))
	}
	out, _, _ = run(t, "diff", newF, "--window", "30d", "--at", at)
	for _, w := range []string{"validity boundaries of the new catalogue to 2025-07-01T12:00:00+02:00: 1", "from 2025-06-10 (2025-06-10T00:00:00+02:00)",
		"[b1.1] route starts  SE1-LAB", "broken    (routing alone: no consumer may call) -> SE1-LAB: OK https://lab.example.se/a (RIVTABP21) -> VP006 (more than one route valid)",
		"effects: 0 broken, 0 moved, 0 refaulted, 0 fixed; 1 for routing alone (no consumer may call)", "would fail: 0 calls (consumer, contract, receiver) that work, now or at a boundary\n"} {
		if !strings.Contains(out, w) {
			t.Errorf("window text lacks %q:\n%s", w, out)
		}
	}

	// A replayed log, from a file and from stdin: the consumer's calls to
	// the lab break, its calls to the clinic move.
	var log strings.Builder
	l := zerolog.New(&log)
	for i, call := range []struct{ recv, contract string }{{"SE1-LAB", "urn:riv:t:AResponder:1"}, {"SE1-LAB", "urn:riv:t:AResponder:1"}, {"SE1-CLINIC", "urn:riv:t:AResponder:1"}, {"SE9-ELSEWHERE", "urn:riv:t:BResponder:1"}} {
		l.Info().Str("kind", "service").Str("correlation_id", fmt.Sprint(i)).Str("sender", "SE1-CONS").Str("receiver", call.recv).
			Str("contract", call.contract).Int("status", 200).Str("vp_code", "").Time("time", time.Date(2025, 5, 30, 10, i, 0, 0, time.UTC)).Msg("exchange")
	}
	logF := filepath.Join(dir, "gateway.log")
	write(t, logF, log.String())
	res, code = diffJSON(t, oldF, newF, "--at", at, "--calls", logF)
	var calls []string
	for _, c := range res.Calls {
		calls = append(calls, fmt.Sprintf("%s %s %d", c.Kind, c.Receiver, c.Traffic.Calls))
	}
	if code != 1 || strings.Join(calls, ",") != "broken SE1-LAB 2,moved SE1-CLINIC 1,broken SE9-ELSEWHERE 1" || res.Traffic.Exchanges != 4 {
		t.Errorf("calls: exit %d, %v, %+v", code, calls, res.Traffic)
	}
	cmd := takcmd.New()
	var stdout strings.Builder
	cmd.SetIn(strings.NewReader(log.String()))
	cmd.SetOut(&stdout)
	cmd.SetErr(&stdout)
	cmd.SetArgs([]string{"diff", oldF, newF, "--at", at, "--calls", "-"})
	cmd.SilenceUsage, cmd.SilenceErrors = true, true
	_ = cmd.Execute()
	for _, w := range []string{"logged calls: 4 lines, 4 service calls, 3 distinct calls", "logged calls whose answer changes: 3 distinct, 4.0 calls/day (3.0/day would break)",
		"caused by [4]"} {
		if !strings.Contains(stdout.String(), w) {
			t.Errorf("stdin log: output lacks %q:\n%s", w, stdout.String())
		}
	}

	for _, bad := range []struct {
		args []string
		want string
	}{
		{[]string{"diff", oldF}, "want OLD NEW"},
		{[]string{"diff", oldF, newF, oldF}, "got 3 arguments"},
		{[]string{"diff", "--new", newF}, "--new without --old"},
		{[]string{"diff", oldF, newF, "--new", newF}, "not both"},
		{[]string{"diff", oldF, newF, "--window", "soon"}, "--window"},
		{[]string{"diff", oldF, newF, "--at", "tomorrow"}, "--at"},
		{[]string{"diff", oldF, filepath.Join(dir, "missing.yaml")}, "missing.yaml"},
		{[]string{"diff", oldF, newF, "--calls", filepath.Join(dir, "missing.log")}, "missing.log"},
	} {
		if _, stderr, code := run(t, bad.args...); code != 2 || !strings.Contains(stderr, bad.want) {
			t.Errorf("%v: exit %d, %q; want 2 and %q", bad.args, code, stderr, bad.want)
		}
	}
}

func stockholm(t *testing.T) *time.Location {
	t.Helper()
	loc, err := takdata.LoadZone("")
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

// TestDiffSources: sources of several files (VP's routes and permissions
// files, --old/--new repeated) and a live TAK (SokVagvalsInfo over HTTP),
// with VP's HSA tree.
func TestDiffSources(t *testing.T) {
	t.Parallel()
	stand := taktest.NewStandIn(t, taktest.VPRoutes(t), taktest.VPPermissions(t))
	// The new catalogue: VP's, without the default route for GetActivities.
	d, err := takformat.ReadFile(taktest.VPRoutes(t), takformat.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var routes []takdata.Route
	for _, r := range d.Routes {
		if !(r.Receiver == tak.DefaultReceiver && r.Contract == getActivities) {
			routes = append(routes, r)
		}
	}
	d.Routes = routes
	newRoutes := filepath.Join(t.TempDir(), "routes.xml")
	f, err := os.Create(newRoutes)
	if err != nil {
		t.Fatal(err)
	}
	if err := takformat.WriteCache(f, d, takformat.Options{}); err != nil {
		t.Fatal(err)
	}
	_ = f.Close()
	hsaArgs := []string{}
	for _, h := range taktest.VPHSA(t) {
		hsaArgs = append(hsaArgs, "--hsa", h)
	}
	at := []string{"--at", "2025-06-01T12:00:00+02:00"}
	want := []string{
		"broken SenderWithDefaultBehorighet GetActivitiesReceiverWithNoExplicitVagval OK->VP004",
		"broken tp GetActivitiesReceiverWithNoExplicitVagval OK->VP004",
		"broken SenderWithDefaultBehorighet (other) OK->VP004",
	}
	for name, args := range map[string][]string{
		"files":     {"--old", taktest.VPRoutes(t), "--old", taktest.VPPermissions(t), "--new", newRoutes, "--new", taktest.VPPermissions(t)},
		"live TAK":  {"--old", stand.URL, "--new", newRoutes, "--new", taktest.VPPermissions(t)},
		"positions": {stand.URL, stand.URL},
	} {
		res, code := diffJSON(t, append(append(args, hsaArgs...), at...)...)
		got := effectLines(res.Effects)
		if name == "positions" {
			if code != 0 || len(got) != 0 || res.Old.Routes != 22 || res.Old.Permissions != 21 {
				t.Errorf("%s: exit %d, %v, %+v", name, code, got, res.Old)
			}
			continue
		}
		if code != 1 || strings.Join(got, "\n") != strings.Join(want, "\n") {
			t.Errorf("%s: exit %d, effects:\n%s", name, code, strings.Join(got, "\n"))
		}
		if res.Old.Routes != 22 || res.New.Routes != 21 {
			t.Errorf("%s: %+v %+v", name, res.Old, res.New)
		}
	}
	if _, stderr, code := run(t, "diff", taktest.DeadURL(t), newRoutes); code != 2 || !strings.Contains(stderr, "TAK http://") {
		t.Errorf("dead TAK: exit %d, %s", code, stderr)
	}
}

// The NTjP test TAK of 2016-03-10 and the change and log of the docs'
// example (docs/tak-change-preview.md).
func nationalDump(t *testing.T) string {
	return testutil.Shared(t, "samples", "skltp-tak", "tak-integration", "export", "test", "takdump_ntjp_test.json.zip")
}

func previewFixture(t *testing.T, name string) string {
	return filepath.Join(testutil.RepoRoot(t), "fixtures", "tak", "change-preview", name)
}

// TestDiffNationalDump previews the docs' change to the real national test
// TAK: the new permission fixes a consumer's calls now, and the new
// Update route, whose old one was not ended, makes every Update call VP006
// from 11 March, as the window and the replayed log show.
func TestDiffNationalDump(t *testing.T) {
	t.Parallel()
	dump := nationalDump(t)
	args := []string{"--old", dump, "--new", dump, "--new", previewFixture(t, "change.yaml"), "--at", "2016-03-10T12:00:00+01:00"}
	res, code := diffJSON(t, args...)
	if code != 0 || res.Old.Routes != 864 || res.Old.Permissions != 2161 || res.New.Routes != 865 || res.New.Permissions != 2162 {
		t.Fatalf("exit %d, %+v %+v", code, res.Old, res.New)
	}
	if got := effectLines(res.Effects); len(got) != 1 || got[0] != "fixed SE2321000016-A2LK 5565594230 VP007->OK" {
		t.Errorf("at 10 March: %v", got)
	}
	if len(res.Changes) != 2 || res.Changes[0].Live || !res.Changes[1].Live {
		t.Errorf("changes %+v", res.Changes)
	}

	res, code = diffJSON(t, append(args, "--window", "7d", "--calls", previewFixture(t, "gateway.log"))...)
	if code != 1 || len(res.Boundaries) != 1 {
		t.Fatalf("window: exit %d, %d boundaries", code, len(res.Boundaries))
	}
	b := res.Boundaries[0]
	broken := 0
	for _, e := range b.Effects {
		if e.Kind == takdiff.Broken && e.New.Code == "VP006" && e.Receiver == "5565594230" {
			broken++
		}
	}
	// Every consumer with a permission for Update (30, one of them twice).
	if broken != 30 || len(b.Effects) != 30 {
		t.Errorf("11 March: %d effects, %d broken to VP006", len(b.Effects), broken)
	}
	var calls []string
	for _, c := range b.Calls {
		calls = append(calls, fmt.Sprintf("%s %s %d", c.Kind, c.Sender, c.Traffic.Calls))
	}
	if strings.Join(calls, ",") != "broken SE2321000016-A2NF 20,broken SE162321000073-T053 10,broken SE5565594230-BCQ 6" {
		t.Errorf("logged calls on 11 March: %v", calls)
	}
	if len(res.Calls) != 1 || res.Calls[0].Kind != takdiff.Fixed || res.Calls[0].Traffic.Calls != 4 {
		t.Errorf("logged calls now: %+v", res.Calls)
	}

	// The order done right (as docs/tak-change-preview.md says): with the
	// old Update route ended on 10 March, the consumers move to the new host
	// on 11 March and nothing breaks.
	d, err := takformat.ReadFile(dump, takformat.Options{})
	if err != nil {
		t.Fatal(err)
	}
	ended := 0
	for i, r := range d.Routes {
		if r.Receiver == "5565594230" && r.Contract == "urn:riv:itintegration:engagementindex:UpdateResponder:1" {
			d.Routes[i].To, err = takdata.ParseBound("2016-03-10", true, stockholm(t), takdata.ExactZoned)
			d.Routes[i].ToText = "2016-03-10"
			ended++
		}
	}
	if err != nil || ended != 1 {
		t.Fatalf("ending the old route: %d routes, %v", ended, err)
	}
	right := filepath.Join(t.TempDir(), "dump-ended.yaml")
	f, err := os.Create(right)
	if err != nil {
		t.Fatal(err)
	}
	if err := takformat.WriteYAML(f, d, takformat.Options{}); err != nil {
		t.Fatal(err)
	}
	_ = f.Close()
	res, code = diffJSON(t, "--old", dump, "--new", right, "--new", previewFixture(t, "change.yaml"), "--at", "2016-03-10T12:00:00+01:00", "--window", "7d")
	moved := 0
	for _, b := range res.Boundaries {
		for _, e := range b.Effects {
			if e.Kind == takdiff.Moved && e.New.Address == "https://ei-new.example.se:8443/skltp-ei/update-service/v1" {
				moved++
			}
		}
	}
	if code != 0 || res.Broken != 0 || moved != 30 {
		t.Errorf("the old route ended: exit %d, %d broken, %d moved to the new host", code, res.Broken, moved)
	}
}

// TestChangePreviewLog: the docs' exchange log is what the gateway would
// have logged for its calls on the dump (answers and traces from the
// catalogue, the gateway's field order). RIVGATE_UPDATE_FIXTURES=1
// rewrites it.
func TestChangePreviewLog(t *testing.T) {
	t.Parallel()
	d, err := takformat.ReadFile(nationalDump(t), takformat.Options{})
	if err != nil {
		t.Fatal(err)
	}
	cat := tak.Build(d, nil, tak.BuildOptions{})
	got := previewLog(t, cat)
	path := previewFixture(t, "gateway.log")
	if os.Getenv("RIVGATE_UPDATE_FIXTURES") == "1" {
		write(t, path, got)
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if string(want) != got {
		t.Fatalf("%s is not what the gateway would log; RIVGATE_UPDATE_FIXTURES=1 go test -run TestChangePreviewLog rewrites it", path)
	}
}

// previewLog makes two working days of calls to the engagement index and
// the care-contacts aggregator, in the gateway's exchange-line format.
func previewLog(t *testing.T, cat *tak.Catalogue) string {
	t.Helper()
	const (
		ei       = "5565594230"
		update   = "urn:riv:itintegration:engagementindex:UpdateResponder:1"
		contacts = "urn:riv:clinicalprocess:logistics:logistics:GetCareContactsResponder:2"
	)
	type caller struct {
		sender, contract string
		perDay           int
	}
	callers := []caller{
		{"SE2321000016-A2NF", update, 10}, {"SE162321000073-T053", update, 5}, {"SE5565594230-BCQ", update, 3},
		{"SE2321000016-A2LK", contacts, 2}, {"SE2321000016-A2NF", contacts, 4},
	}
	type call struct {
		at time.Time
		caller
	}
	var calls []call
	loc := stockholm(t)
	for _, day := range []int{8, 9} {
		for _, c := range callers {
			for i := range c.perDay {
				// Spread over 08:00-17:00, a few seconds apart per caller.
				at := time.Date(2016, 3, day, 8, 0, 0, 0, loc).Add(time.Duration(i*9*60/c.perDay)*time.Minute + time.Duration(len(calls)%7)*time.Second)
				calls = append(calls, call{at, c})
			}
		}
	}
	slices.SortStableFunc(calls, func(a, b call) int { return a.at.Compare(b.at) })
	var b strings.Builder
	for n, c := range calls {
		d := cat.Decide(tak.Query{Contract: c.contract, Receiver: ei, Sender: c.sender, At: c.at})
		l := zerolog.New(&b).With().Time(zerolog.TimestampFieldName, c.at).Str("instance", "ntjp-test-1").Logger()
		ev, status, code, producer, routeProfile, total, prod := l.Info(), 200, "", "", "", 23.417, 21.902
		if d.Route != nil {
			producer, routeProfile = d.Route.Address, string(d.Route.Profile)
		}
		if d.Fault != nil {
			ev, status, code, total, prod = l.Warn(), 500, d.Fault.Code.String(), 0.231, 0
		}
		ev = ev.Str("kind", "service").Str("correlation_id", fmt.Sprintf("6b1f0c2e-5d43-4a8e-9c1b-%012d", n+1)).Str("listener", "https").
			Str("remote", fmt.Sprintf("10.10.4.%d:%d", 20+len(c.sender)%7, 40000+n)).Str("sender", c.sender).Str("receiver", ei).Str("contract", c.contract).
			Str("riv_profile", "RIVTABP21").Str("route_profile", routeProfile).Str("producer", producer).Int("status", status).Str("vp_code", code).
			Float64("total_ms", total).Float64("producer_ms", prod).Str("routing_trace", d.RoutingTrace).Str("auth_trace", d.AuthTrace)
		if d.Fault != nil {
			ev = ev.Str("fault_detail", d.Fault.Detail)
		}
		ev.Msg("exchange")
	}
	return b.String()
}
