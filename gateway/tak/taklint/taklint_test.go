package taklint_test

import (
	"strings"
	"testing"
	"time"

	"github.com/rivgate/rivgate/gateway/tak/hsa"
	"github.com/rivgate/rivgate/gateway/tak/takdata"
	"github.com/rivgate/rivgate/gateway/tak/takformat"
	"github.com/rivgate/rivgate/gateway/tak/taklint"
	"github.com/rivgate/rivgate/gateway/tak/taktest"
	"github.com/rivgate/rivgate/internal/testutil"
)

const ns = "urn:riv:crm:scheduling:GetSubjectOfCareScheduleResponder:1"

var now = time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)

func TestRules(t *testing.T) {
	t.Parallel()
	day := func(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }
	route := func(recv, addr string) takdata.Route {
		r := taktest.R(recv, ns, "RIVTABP21", addr)
		r.Origin = "t.yaml:" + recv
		return r
	}
	tree := hsa.Build([]hsa.Unit{{HSAID: "SE123-UNIT", DN: "ou=u,c=SE"}, {HSAID: "SE123-PARENT", DN: "c=SE"}})
	tests := []struct {
		name     string
		data     takdata.Data
		rule     string
		sev      taklint.Severity
		contains []string
	}{
		{name: "overlapping routes are a VP006", data: takdata.Data{Routes: []takdata.Route{
			taktest.Between(route("A", "https://one"), day(2025, 1, 1), day(2025, 12, 31)),
			taktest.Between(route("a", "https://two"), day(2025, 6, 1), day(2026, 12, 31))}},
			rule: "overlap", sev: taklint.Error, contains: []string{`receiver "A"`, "VP006", "t.yaml:A", "t.yaml:a", `"https://two"`}},
		{name: "permission without any route", data: takdata.Data{
			Routes:      []takdata.Route{route("B", "https://b")},
			Permissions: []takdata.Permission{taktest.P("CONS", "A", ns)}},
			rule: "no-route", sev: taklint.Error, contains: []string{`receiver "A"`, "VP004", `permission "CONS" -> "A"`}},
		{name: "invalid HSA-id", data: takdata.Data{Routes: []takdata.Route{route("SE 123", "https://x")}},
			rule: "hsa-id", sev: taklint.Error, contains: []string{`"SE 123"`, "letters, digits"}},
		{name: "whitespace around an HSA-id", data: takdata.Data{Routes: []takdata.Route{route("SE123 ", "https://x")}},
			rule: "hsa-id", sev: taklint.Error, contains: []string{"trailing whitespace"}},
		{name: "bad namespace", data: takdata.Data{Routes: []takdata.Route{{Receiver: "A", Contract: "urn:riv:x y", Profile: "RIVTABP21", Address: "https://x"}}},
			rule: "namespace", sev: taklint.Error, contains: []string{`"urn:riv:x y"`}},
		{name: "address with a space", data: takdata.Data{Routes: []takdata.Route{route("A", "https:// x")}},
			rule: "address", sev: taklint.Error, contains: []string{`"https:// x"`}},
		{name: "empty address", data: takdata.Data{Routes: []takdata.Route{route("A", "")}},
			rule: "address", sev: taklint.Error, contains: []string{"VP010"}},
		{name: "address too long", data: takdata.Data{Routes: []takdata.Route{route("A", "https://x/"+strings.Repeat("a", 250))}},
			rule: "address", sev: taklint.Error, contains: []string{"5 to 255"}},
		{name: "address not http", data: takdata.Data{Routes: []takdata.Route{route("A", "ftp://producer/x")}},
			rule: "address", sev: taklint.Error, contains: []string{"not http:// or https://", "VP009", "t.yaml:A"}},
		{name: "address without a host", data: takdata.Data{Routes: []takdata.Route{route("A", "https:/producer/x")}},
			rule: "address", sev: taklint.Error, contains: []string{"no host", "VP009"}},
		{name: "address with credentials, masked", data: takdata.Data{Routes: []takdata.Route{route("A", "https://svc:s3cret@producer/x")}},
			rule: "address", sev: taklint.Error, contains: []string{"credentials", `"https://xxxxx@producer/x"`, "t.yaml:A"}},
		{name: "tom before from", data: takdata.Data{Routes: []takdata.Route{taktest.Between(route("A", "https://x"), day(2026, 1, 1), day(2025, 1, 1))}},
			rule: "validity", sev: taklint.Error, contains: []string{"never valid"}},
		{name: "expired entry is a warning", data: takdata.Data{Routes: []takdata.Route{taktest.Between(route("A", "https://x"), day(2020, 1, 1), day(2021, 1, 1))}},
			rule: "expired", sev: taklint.Warning, contains: []string{"2021-01-01T00:00:00Z"}},
		{name: "unknown profile is a VP005", data: takdata.Data{Routes: []takdata.Route{{Receiver: "A", Contract: ns, Profile: "RIVTABP22", Address: "https://x"}}},
			rule: "profile", sev: taklint.Warning, contains: []string{"VP005", "RIVTABP22"}},
		{name: "receiver differs from its HSA unit in case", data: takdata.Data{Routes: []takdata.Route{route("se123-unit", "https://x")}},
			rule: "hsa-case", sev: taklint.Warning, contains: []string{`"se123-unit"`, `"SE123-UNIT"`}},
		{name: "overlapping permissions", data: takdata.Data{Routes: []takdata.Route{route("A", "https://x")}, Permissions: []takdata.Permission{taktest.P("C", "A", ns), taktest.P("C", "A", ns)}},
			rule: "overlap-permission", sev: taklint.Warning, contains: []string{"TAK refuses"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			fs := taklint.Check(&tc.data, taklint.Options{Tree: tree, Now: now})
			for _, f := range fs {
				if f.Rule != tc.rule {
					continue
				}
				if f.Severity != tc.sev {
					t.Fatalf("%s is a %s, want %s", f.Rule, f.Severity, tc.sev)
				}
				s := f.String()
				for _, want := range tc.contains {
					if !strings.Contains(s, want) {
						t.Fatalf("finding %q lacks %q", s, want)
					}
				}
				return
			}
			t.Fatalf("no %s finding in %v", tc.rule, fs)
		})
	}
}

// TestClean: routes served via "*", via an HSA ancestor, with valid
// switch-over dates, give no findings.
func TestClean(t *testing.T) {
	t.Parallel()
	d, err := takformat.ReadFile(testutil.RepoRoot(t)+"/fixtures/tak/example.yaml", takformat.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if fs := taklint.Check(d, taklint.Options{Now: now}); len(fs) != 0 {
		t.Fatalf("the README example has findings: %v", fs)
	}
	tree := hsa.Build([]hsa.Unit{{HSAID: "CHILD", DN: "ou=c,o=p,c=SE"}, {HSAID: "PARENT", DN: "o=p,c=SE"}})
	d2 := &takdata.Data{Routes: []takdata.Route{taktest.R("PARENT", ns, "RIVTABP21", "https://p")}, Permissions: []takdata.Permission{taktest.P("C", "CHILD", ns)}}
	if fs := taklint.Check(d2, taklint.Options{Tree: tree, Now: now}); len(fs) != 0 {
		t.Fatalf("a permission served via the HSA parent's route has findings: %v", fs)
	}
}

// TestVPSamples: VP's own test data holds its deliberate faults.
func TestVPSamples(t *testing.T) {
	t.Parallel()
	d := &takdata.Data{}
	for _, f := range []string{taktest.VPRoutes(t), taktest.VPPermissions(t)} {
		x, err := takformat.ReadFile(f, takformat.Options{})
		if err != nil {
			t.Fatal(err)
		}
		d.Append(x)
	}
	tree, err := hsa.Load(taktest.VPHSA(t)...)
	if err != nil {
		t.Fatal(err)
	}
	fs := taklint.Check(d, taklint.Options{Tree: tree, Now: now})
	want := map[string]string{
		"overlap": `"ReceiverMultipleVagval"`,
		"address": "ReceiverNoPhysicalAddress",
		"profile": "RIVTABP22",
	}
	for rule, needle := range want {
		found := false
		for _, f := range fs {
			found = found || (f.Rule == rule && strings.Contains(f.String(), needle))
		}
		if !found {
			t.Errorf("no %s finding mentioning %s in:\n%v", rule, needle, fs)
		}
	}
	if !taklint.HasErrors(fs) {
		t.Fatal("HasErrors = false")
	}
}

// TestCredentialsNeverShown: an address with user:password@ is an error,
// and no finding shows the password.
func TestCredentialsNeverShown(t *testing.T) {
	t.Parallel()
	r := taktest.R("A", ns, "RIVTABP21", "https://svc:s3cret@producer.example/x")
	d := &takdata.Data{Routes: []takdata.Route{r, r}, Permissions: []takdata.Permission{taktest.P("C", "A", ns)}}
	fs := taklint.Check(d, taklint.Options{Now: now})
	if !taklint.HasErrors(fs) {
		t.Fatal("an address with credentials is not an error")
	}
	for _, f := range fs {
		if strings.Contains(f.String(), "s3cret") {
			t.Fatalf("finding shows the password: %s", f)
		}
	}
}

// TestPlatformServices: a permission for one of the gateway's own services
// addressed to its platform address needs no route; without the address
// it is a warning, and addressed elsewhere it is still no-route.
func TestPlatformServices(t *testing.T) {
	t.Parallel()
	const ping = "urn:riv:itintegration:monitoring:PingForConfigurationResponder:1"
	d := &takdata.Data{
		Routes: []takdata.Route{taktest.R("B", ns, "RIVTABP21", "https://b")},
		Permissions: []takdata.Permission{
			taktest.P("MON", "rivgate", ping),    // the gateway answers it
			taktest.P("MON", "PRODUCER-X", ping), // a producer's own ping: needs a route
		},
	}
	rules := func(fs []taklint.Finding) []string {
		var out []string
		for _, f := range fs {
			out = append(out, string(f.Severity)+" "+f.Rule+" "+f.Entries[0])
		}
		return out
	}
	platform := []string{ping}
	tests := []struct {
		name      string
		addresses []string
		want      []string
	}{
		{"platform address given", []string{"RIVGATE"}, []string{`error no-route id : permission "MON" -> "PRODUCER-X"`}},
		{"platform address unknown", nil, []string{`warning platform-service id : permission "MON" -> "rivgate"`, `warning platform-service id : permission "MON" -> "PRODUCER-X"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			fs := taklint.Check(d, taklint.Options{Now: now, PlatformContracts: platform, PlatformAddresses: tt.addresses})
			got := rules(fs)
			if len(got) != len(tt.want) {
				t.Fatalf("findings %q, want %q", got, tt.want)
			}
			for i := range got {
				if !strings.HasPrefix(got[i], tt.want[i]) {
					t.Fatalf("finding %q, want %q...", got[i], tt.want[i])
				}
			}
		})
	}
	if fs := taklint.Check(d, taklint.Options{Now: now}); len(fs) != 2 || fs[0].Rule != "no-route" {
		t.Fatalf("without platform contracts both are no-route errors: %v", fs)
	}
}
