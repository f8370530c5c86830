package tak_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/rivgate/rivgate/contracts/vpfault"
	"github.com/rivgate/rivgate/gateway/tak"
	"github.com/rivgate/rivgate/gateway/tak/taktest"
)

// jaxbInner is the content of VP's sample file as JAXB writes it (see
// takformat's round-trip test for each step): no comments, no whitespace
// between elements, the prefix declared once, NCName text collapsed.
func jaxbInner(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	b = regexp.MustCompile(`(?s)<!--.*?-->`).ReplaceAll(b, nil)
	b = regexp.MustCompile(`>\s+<`).ReplaceAll(b, []byte("><"))
	b = bytes.ReplaceAll(b, []byte(`<virtualiseringsInfo xmlns:ns2="urn:skl:tp:vagvalsinfo:v2">`), []byte(`<virtualiseringsInfo>`))
	b = regexp.MustCompile(`<ns2:tjansteKontrakt>\s*(\S+)\s*</ns2:tjansteKontrakt>`).ReplaceAll(b, []byte(`<ns2:tjansteKontrakt>$1</ns2:tjansteKontrakt>`))
	s := string(bytes.TrimSpace(b))
	s = s[strings.Index(s, "<persistentCache"):]
	s = s[strings.IndexByte(s, '>')+1:]
	return strings.TrimSuffix(s, "</persistentCache>")
}

// TestLiveTAK ports skltp/takcache's TakCacheTest against a TAK stand-in
// served over HTTP on 127.0.0.1 from VP's test data.
func TestLiveTAK(t *testing.T) {
	t.Parallel()
	routes, perms := taktest.VPRoutes(t), taktest.VPPermissions(t)
	getCertificate := tak.Query{Contract: "urn:riv:insuranceprocess:healthreporting:GetCertificateResponder:1", Receiver: "HttpsProducer", Sender: "tp"}

	t.Run("contact with TAK updates the local cache as VP writes it", func(t *testing.T) {
		t.Parallel()
		stand := taktest.NewStandIn(t, routes, perms)
		dir := t.TempDir()
		cache := filepath.Join(dir, "localtak.xml")
		s := newStore(t, tak.Config{URL: stand.URL, CacheFile: cache})
		rep := s.Reload(context.Background())
		if rep.State != tak.StateOK || rep.Routes != 22 || rep.Permissions != 21 {
			t.Fatalf("report %+v", rep.Status)
		}
		got, err := os.ReadFile(cache)
		if err != nil {
			t.Fatal(err)
		}
		want := `<?xml version="1.0" encoding="UTF-8" standalone="yes"?><persistentCache xmlns:ns2="urn:skl:tp:vagvalsinfo:v2">` +
			jaxbInner(t, routes) + jaxbInner(t, perms) + `</persistentCache>`
		if string(got) != want {
			t.Fatalf("local cache differs from what VP's JAXB writes for the same data:\n got %.200s\nwant %.200s", got, want)
		}
		entries, _ := os.ReadDir(dir)
		if len(entries) != 1 {
			t.Fatalf("directory holds %v, want only the cache file (no temp files left)", entries)
		}
		if fi, _ := os.Stat(cache); fi.Mode().Perm() != 0o644 {
			t.Fatalf("cache file mode %v", fi.Mode())
		}
		if d := s.Catalogue().Decide(getCertificate); d.Fault != nil || d.Route.Address != "https://localhost:19001/vardgivare-b/tjanst2" {
			t.Fatalf("decision %+v", d)
		}
	})

	// A cache file written by a successful load, for the restore cases.
	stand := taktest.NewStandIn(t, routes, perms)
	cache := filepath.Join(t.TempDir(), "localtak.xml")
	if rep := newStore(t, tak.Config{URL: stand.URL, CacheFile: cache}).Reload(context.Background()); rep.State != tak.StateOK {
		t.Fatal(rep.Status)
	}
	restoreCases := []struct {
		name      string
		mode      taktest.Mode
		dead      bool
		contracts []string
		why       string
	}{
		{name: "no contact with TAK", dead: true, why: "connect"},
		{name: "empty answer", mode: taktest.Empty, why: "empty answer (0 virtualizations, 0 permissions)"},
		{name: "empty permissions", mode: taktest.EmptyPerms, why: "empty answer (22 virtualizations, 0 permissions)"},
		{name: "nothing left after the contract filter", contracts: []string{"NamespaceNoMatch"}, why: "nothing left after filtering on NamespaceNoMatch"},
		{name: "SOAP fault from TAK", mode: taktest.Fault, why: "SOAP fault: TAK stand-in: database unavailable"},
	}
	for _, tc := range restoreCases {
		t.Run("restored from the local cache: "+tc.name, func(t *testing.T) {
			t.Parallel()
			url := taktest.DeadURL(t)
			if !tc.dead {
				st := taktest.NewStandIn(t, routes, perms)
				st.SetMode(tc.mode)
				url = st.URL
			}
			local := filepath.Join(t.TempDir(), "localtak.xml")
			b, _ := os.ReadFile(cache)
			writeFile(t, local, string(b))
			s := newStore(t, tak.Config{URL: url, CacheFile: local, Contracts: tc.contracts})
			rep := s.Reload(context.Background())
			if rep.State != tak.StateRestored || rep.Routes != 22 || rep.Permissions != 21 {
				t.Fatalf("report %+v", rep.Status)
			}
			if !strings.Contains(rep.Message, tc.why) {
				t.Fatalf("message %q, want it to say %q", rep.Message, tc.why)
			}
			if d := s.Catalogue().Decide(getCertificate); d.Fault != nil || d.Route.Address != "https://localhost:19001/vardgivare-b/tjanst2" {
				t.Fatalf("decision %+v", d)
			}
			if after, _ := os.ReadFile(local); !bytes.Equal(after, b) {
				t.Fatal("a failed fetch rewrote the local cache")
			}
		})
	}

	t.Run("existing catalogue reused when a refresh fails", func(t *testing.T) {
		t.Parallel()
		st := taktest.NewStandIn(t, routes, perms)
		local := filepath.Join(t.TempDir(), "localtak.xml")
		s := newStore(t, tak.Config{URL: st.URL, CacheFile: local})
		if rep := s.Reload(context.Background()); rep.State != tak.StateOK {
			t.Fatal(rep.Status)
		}
		before := s.Catalogue()
		st.SetMode(taktest.Empty)
		rep := s.Reload(context.Background())
		if rep.State != tak.StateReusing || rep.Routes != 22 || rep.Permissions != 21 || s.Catalogue() != before {
			t.Fatalf("report %+v", rep.Status)
		}
		st.SetMode(taktest.Serve)
		if rep := s.Reload(context.Background()); rep.State != tak.StateOK || s.Catalogue() == before {
			t.Fatalf("after TAK is back: %+v", rep.Status)
		}
	})

	t.Run("no contact and no local cache: FAILED, VP008", func(t *testing.T) {
		t.Parallel()
		s := newStore(t, tak.Config{URL: taktest.DeadURL(t), CacheFile: filepath.Join(t.TempDir(), "never-written.xml")})
		rep := s.Reload(context.Background())
		if rep.State != tak.StateFailed || s.Catalogue() != nil {
			t.Fatalf("report %+v", rep.Status)
		}
		if d := s.Catalogue().Decide(getCertificate); d.Fault == nil || d.Fault.Code != vpfault.VP008 ||
			d.Fault.Detail != "No contact with TAK at startup, and no local cache to fallback on, not possible to route call" {
			t.Fatalf("decision %+v", d)
		}
	})
}
