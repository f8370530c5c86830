package takformat_test

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/rivgate/rivgate/gateway/tak/takdata"
	"github.com/rivgate/rivgate/gateway/tak/takformat"
	"github.com/rivgate/rivgate/gateway/tak/taktest"
	"github.com/rivgate/rivgate/internal/testutil"
)

func exportJSON(t *testing.T) string {
	return testutil.Shared(t, "samples", "skltp-tak", "tak-core", "src", "test", "resources", "export.json")
}

func dumpZip(t *testing.T) string {
	return testutil.Shared(t, "samples", "skltp-tak", "tak-integration", "export", "test", "takdump_ntjp_test.json.zip")
}

// TestPubVersionJSON reads tak-core's export.json (numeric relationships,
// older key spellings) and resolves every relationship.
func TestPubVersionJSON(t *testing.T) {
	t.Parallel()
	d, err := takformat.ReadFile(exportJSON(t), opts(t))
	if err != nil {
		t.Fatal(err)
	}
	if len(d.Routes) != 9 || len(d.Permissions) != 8 || len(d.Warnings) != 0 {
		t.Fatalf("routes %d permissions %d warnings %v, want 9, 8, none", len(d.Routes), len(d.Permissions), d.Warnings)
	}
	r := d.Routes[0] // vagval 1: logiskadress 1, anropsadress 1 (RIVTABP21), tjanstekontrakt 10
	if r.Receiver != "HSA-VKK123" || r.Contract != "urn:riv:crm:scheduling:GetSubjectOfCareScheduleResponder:1" ||
		r.Profile != "RIVTABP21" || r.Address != "http://33.33.33.33:8080/Schedulr-0.1/ws/GetSubjectOfCareSchedule/1" {
		t.Fatalf("vagval 1 = %+v", r)
	}
	loc := opts(t).Location
	// tom 2113-12-24T00:00:00+0100 is the SQL date 2113-12-24: the whole day.
	if want := time.Date(2113, 12, 25, 0, 0, 0, 0, loc).Add(-time.Nanosecond); !r.To.Equal(want) {
		t.Fatalf("tom = %s, want %s", r.To, want)
	}
	p := d.Permissions[7] // anropsbehorighet 8 has filters 3 and 4; filter 3 has category c2
	if p.Sender != "tp" || p.Receiver != "5565594230" || len(p.Filters) != 2 ||
		p.Filters[0].ServiceDomain != "urn:riv:itintegration:registry:GetItems" || p.Filters[0].Categorizations[0] != "Category c2" ||
		p.Filters[1].ServiceDomain != "urn:riv:itintegration:registry:GetMoreItems" {
		t.Fatalf("anropsbehorighet 8 = %+v", p)
	}
	if f := d.Permissions[6].Filters; len(f) != 1 || len(f[0].Categorizations) != 2 {
		t.Fatalf("anropsbehorighet 7 filters = %+v, want one filter with two categorisations", f)
	}
}

// TestNationalDumpZip reads the zipped 2016 NTjP test dump directly.
func TestNationalDumpZip(t *testing.T) {
	t.Parallel()
	d, err := takformat.ReadFile(dumpZip(t), opts(t))
	if err != nil {
		t.Fatal(err)
	}
	if len(d.Routes) != 864 || len(d.Permissions) != 2161 {
		t.Fatalf("routes %d permissions %d, want 864 and 2161 (the dump's vagval and anropsbehorighet rows)", len(d.Routes), len(d.Permissions))
	}
	loc := opts(t).Location
	for _, r := range d.Routes {
		if r.Receiver == "" || r.Contract == "" || r.Profile == "" {
			t.Fatalf("unresolved route %+v", r)
		}
		// Every value in the dump is a Stockholm midnight written in UTC.
		if _, ok := takdata.CalendarDate(r.From, false, loc); !ok {
			t.Fatalf("%s: from %s is not a local midnight", r.Origin, r.From)
		}
	}
	if !strings.Contains(d.Routes[0].Origin, "takdump_ntjp_test.json.zip!takdump_ntjp_test.json vagval id=") {
		t.Fatalf("origin %q should name the zip entry", d.Routes[0].Origin)
	}
}

func TestJSONErrors(t *testing.T) {
	t.Parallel()
	tests := []struct{ name, doc, want string }{
		{"syntax error names the line", "{\n\"data\": {\n\"vagval\": [ {,} ]}}", "j.json:3:"},
		{"no data", `{"formatVersion":"1"}`, `no "data" object`},
		{"dangling id", `{"data":{"vagval":[{"id":5,"fromTidpunkt":"2020-01-01T00:00:00+0100","tomTidpunkt":"2021-01-01T00:00:00+0100","relationships":{"logiskadress":99,"tjanstekontrakt":"urn:x:1","anropsadress":"http://a"}}]}}`,
			"j.json: vagval id=5: relationship logiskAdress: no row with id 99"},
		{"unknown natural url", `{"data":{"vagval":[{"id":5,"relationships":{"logiskAdress":"A","tjanstekontrakt":"urn:x:1","anropsadress":"http://a"}}]}}`,
			`vagval id=5: relationship anropsadress: no anropsadress with adress "http://a"`},
		{"bad date", `{"data":{"anropsadress":[{"id":1,"adress":"http://a","relationships":{"rivtaprofil":"RIVTABP21","tjanstekomponent":"P"}}],"vagval":[{"id":5,"fromTidpunkt":"yesterday","relationships":{"logiskAdress":"A","tjanstekontrakt":"urn:x:1","anropsadress":"http://a"}}]}}`,
			"vagval id=5: fromTidpunkt: date-time \"yesterday\""},
		{"wrong type", `{"data":{"vagval":"x"}}`, "j.json:1: field data.vagval"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := takformat.Read("j.json", []byte(tc.doc), opts(t))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v\nwant it to contain %q", err, tc.want)
			}
		})
	}
}

// entryKeys is what lookups see of each entry: keys, target, validity
// instants and filters, after the losses each target format has by design:
//   - unbounded validity is written as 1970-01-01 / 9999-12-31 by the formats
//     that require dates;
//   - TAK's JSON export has whole seconds only;
//   - XML parsers (JAXB as well as ours) read a CR LF inside a value as LF.
func entryKeys(d *takdata.Data, f takformat.Format) []string {
	unix := func(t time.Time, end bool) string {
		switch {
		case t.IsZero(), !end && t.Year() <= 1970, end && t.Year() >= 9999:
			return "unbounded"
		case f == takformat.JSON:
			return fmt.Sprint(t.Unix())
		}
		return fmt.Sprint(t.UnixNano())
	}
	text := func(s string) string {
		if f == takformat.Cache {
			return strings.ReplaceAll(s, "\r\n", "\n")
		}
		return s
	}
	var out []string
	for _, r := range d.Routes {
		out = append(out, fmt.Sprintf("R %q|%s|%s|%q|%s|%s", r.Receiver, r.Contract, r.Profile, text(r.Address), unix(r.From, false), unix(r.To, true)))
	}
	for _, p := range d.Permissions {
		out = append(out, fmt.Sprintf("P %q|%q|%s|%s|%s|%v", p.Sender, p.Receiver, p.Contract, unix(p.From, false), unix(p.To, true), p.Filters))
	}
	return out
}

// TestConvertMatrix converts every real sample to every writable format and
// reads it back: what lookups see (keys, address, profile, validity
// instants, filters) is unchanged.
func TestConvertMatrix(t *testing.T) {
	t.Parallel()
	sources := map[string]string{
		"vp-vagval":       taktest.VPRoutes(t),
		"vp-behorigheter": taktest.VPPermissions(t),
		"export.json":     exportJSON(t),
		"ntjp-dump.zip":   dumpZip(t),
		"example.yaml":    testutil.RepoRoot(t) + "/fixtures/tak/example.yaml",
	}
	for name, path := range sources {
		for _, f := range []takformat.Format{takformat.YAML, takformat.Cache, takformat.JSON} {
			t.Run(name+"->"+string(f), func(t *testing.T) {
				t.Parallel()
				d, err := takformat.ReadFile(path, opts(t))
				if err != nil {
					t.Fatal(err)
				}
				var buf bytes.Buffer
				if err := takformat.Write(&buf, f, d, opts(t)); err != nil {
					t.Fatal(err)
				}
				if got := takformat.Detect(buf.Bytes()); got != f {
					t.Fatalf("written %s detected as %s", f, got)
				}
				back, err := takformat.Read("converted."+string(f), buf.Bytes(), opts(t))
				if err != nil {
					t.Fatalf("reading the converted file: %v\n%.400s", err, buf.String())
				}
				want, got := entryKeys(d, f), entryKeys(back, f)
				if len(back.Warnings) > 0 {
					t.Fatalf("warnings reading the converted file: %v", back.Warnings)
				}
				if len(want) != len(got) {
					t.Fatalf("%d entries became %d", len(want), len(got))
				}
				for i := range want {
					if want[i] != got[i] {
						t.Fatalf("entry %d changed:\n was %s\n now %s", i, want[i], got[i])
					}
				}
			})
		}
	}
}

// exportPV is shaped as tak-services' /export/pv answers (ExportTakData):
// relationships by natural key, consumer as tjanstekonsument, filters by id.
const exportPV = `{"formatVersion":"1","version":"7","tidpunkt":"2025-03-01T10:00:00+0100","utforare":"admin","kommentar":"k",
"data":{
 "rivtaprofil":[{"id":1,"namn":"RIVTABP20","beskrivning":"","pubversion":"7"},{"id":2,"namn":"RIVTABP21","beskrivning":"","pubversion":"7"}],
 "anropsadress":[
  {"id":10,"adress":"https://p.example/a","pubversion":"7","relationships":{"rivtaprofil":"RIVTABP21","tjanstekomponent":"PROD-1"}},
  {"id":11,"adress":"https://p.example/shared","pubversion":"7","relationships":{"rivtaprofil":"RIVTABP20","tjanstekomponent":"PROD-1"}},
  {"id":12,"adress":"https://p.example/shared","pubversion":"7","relationships":{"rivtaprofil":"RIVTABP21","tjanstekomponent":"PROD-1"}}],
 "vagval":[
  {"id":100,"fromTidpunkt":"2025-01-01T00:00:00+0100","tomTidpunkt":"2025-03-31T00:00:00+0200","pubversion":"7",
   "relationships":{"logiskAdress":"SE1","anropsadress":"https://p.example/a","tjanstekontrakt":"urn:riv:a:b:XResponder:1"}},
  {"id":101,"fromTidpunkt":"2025-01-01T00:00:00+0100","tomTidpunkt":"2125-01-01T00:00:00+0100","pubversion":"7",
   "relationships":{"logiskAdress":"SE2","anropsadress":"https://p.example/shared","tjanstekontrakt":"urn:riv:a:b:XResponder:1"}}],
 "anropsbehorighet":[{"id":200,"integrationsavtal":"I","fromTidpunkt":"2025-01-01T00:00:00+0100","tomTidpunkt":"2125-01-01T00:00:00+0100","pubversion":"7",
   "relationships":{"logiskAdress":"SE1","tjanstekonsument":"CONS-1","tjanstekontrakt":"urn:riv:a:b:XResponder:1"}}],
 "filter":[{"id":300,"servicedomain":"urn:riv:a:b","pubversion":"7","relationships":{"anropsbehorighet":200}}],
 "filtercategorization":[{"id":400,"category":"c1","pubversion":"7","relationships":{"filter":300}}]
}}`

func TestExportPVShape(t *testing.T) {
	t.Parallel()
	d, err := takformat.Read("pv.json", []byte(exportPV), opts(t))
	if err != nil {
		t.Fatal(err)
	}
	if len(d.Routes) != 2 || len(d.Permissions) != 1 {
		t.Fatalf("routes %d permissions %d", len(d.Routes), len(d.Permissions))
	}
	r := d.Routes[0]
	loc := opts(t).Location
	if r.Receiver != "SE1" || r.Profile != "RIVTABP21" || r.Address != "https://p.example/a" {
		t.Fatalf("vagval 100 = %+v", r)
	}
	// tom 2025-03-31T00:00:00+0200 is the SQL date 2025-03-31 (summer time).
	if want := time.Date(2025, 4, 1, 0, 0, 0, 0, loc).Add(-time.Nanosecond); !r.To.Equal(want) {
		t.Fatalf("tom = %s, want %s", r.To, want)
	}
	p := d.Permissions[0]
	if p.Sender != "CONS-1" || len(p.Filters) != 1 || p.Filters[0].Categorizations[0] != "c1" {
		t.Fatalf("anropsbehorighet 200 = %+v", p)
	}
	if len(d.Warnings) != 1 || !strings.Contains(d.Warnings[0], `vagval id=101: anropsadress "https://p.example/shared" exists with profiles RIVTABP20 and RIVTABP21`) {
		t.Fatalf("warnings = %q, want the ambiguous url named", d.Warnings)
	}
}
