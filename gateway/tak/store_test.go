package tak_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/rivgate/rivgate/contracts/vpfault"
	"github.com/rivgate/rivgate/gateway/tak"
	"github.com/rivgate/rivgate/gateway/tak/taktest"
)

const yamlNS = "urn:riv:crm:scheduling:GetSubjectOfCareScheduleResponder:1"

// catalogueYAML is a one-route, one-permission catalogue routing to address.
func catalogueYAML(address string) string {
	return fmt.Sprintf(`routes:
  - receiver: SE-RECV
    contract: %s
    profile: RIVTABP21
    address: %s
permissions:
  - sender: SE-CONS
    receiver: SE-RECV
    contract: %s
`, yamlNS, address, yamlNS)
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
}

func newStore(t *testing.T, cfg tak.Config) *tak.Store {
	t.Helper()
	s, err := tak.NewStore(cfg, zerolog.New(zerolog.NewTestWriter(t)).Level(zerolog.WarnLevel))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func query() tak.Query {
	return tak.Query{Contract: yamlNS, Receiver: "SE-RECV", Sender: "SE-CONS"}
}

func TestStoreVPFiles(t *testing.T) {
	t.Parallel()
	s := newStore(t, tak.Config{Files: []string{taktest.VPRoutes(t), taktest.VPPermissions(t)}, HSAFiles: taktest.VPHSA(t)})
	if s.Catalogue() != nil || s.Status().State != tak.StateFailed {
		t.Fatalf("before loading: catalogue %v status %+v", s.Catalogue(), s.Status())
	}
	rep := s.Reload(context.Background())
	if rep.State != tak.StateOK || rep.Routes != 22 || rep.Permissions != 21 || rep.HSAUnits != 7 {
		t.Fatalf("report = %+v", rep.Status)
	}
	if st := s.Status(); st != rep.Status {
		t.Fatalf("Status() = %+v, want the report's %+v", st, rep.Status)
	}
	d := s.Catalogue().Decide(tak.Query{Contract: "urn:riv:clinicalprocess:activity:actions:GetActivitiesResponder:1", Receiver: "SE0000000001-1234", Sender: "SenderWithDefaultBehorighet"})
	if d.Fault != nil || d.Route.Address != "http://localhost:1900/treeclimbing/GetActivitiesResponder" {
		t.Fatalf("decision = %+v", d)
	}
}

// TestStoreFallbacks follows VP's order when a reload fails: keep what is
// loaded (REUSING), else restore the local cache file (RESTORED), else
// FAILED with every call answered VP008.
func TestStoreFallbacks(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	good := filepath.Join(dir, "tak.yaml")
	writeFile(t, good, catalogueYAML("https://producer.example/a"))
	broken := filepath.Join(dir, "broken.yaml")
	writeFile(t, broken, "routes:\n  - receiver: SE-RECV\n    adress: typo\n")
	cache := filepath.Join(dir, "cache.xml")
	writeFile(t, cache, `<?xml version="1.0" encoding="UTF-8" standalone="yes"?><persistentCache xmlns:ns2="urn:skl:tp:vagvalsinfo:v2"><virtualiseringsInfo><ns2:virtualiseringsInfoId>1</ns2:virtualiseringsInfoId><ns2:receiverId>SE-RECV</ns2:receiverId><ns2:rivProfil>RIVTABP21</ns2:rivProfil><ns2:tjansteKontrakt>`+yamlNS+`</ns2:tjansteKontrakt><ns2:fromTidpunkt>2020-01-01T00:00:00</ns2:fromTidpunkt><ns2:tomTidpunkt>2120-01-01T00:00:00</ns2:tomTidpunkt><ns2:adress>https://from-cache</ns2:adress></virtualiseringsInfo><anropsBehorighetsInfo><ns2:anropsBehorighetsInfoId>1</ns2:anropsBehorighetsInfoId><ns2:receiverId>SE-RECV</ns2:receiverId><ns2:senderId>SE-CONS</ns2:senderId><ns2:tjansteKontrakt>`+yamlNS+`</ns2:tjansteKontrakt><ns2:fromTidpunkt>2020-01-01T00:00:00</ns2:fromTidpunkt><ns2:tomTidpunkt>2120-01-01T00:00:00</ns2:tomTidpunkt></anropsBehorighetsInfo></persistentCache>`)

	t.Run("reusing the loaded catalogue", func(t *testing.T) {
		t.Parallel()
		f := filepath.Join(t.TempDir(), "tak.yaml")
		writeFile(t, f, catalogueYAML("https://producer.example/a"))
		s := newStore(t, tak.Config{Files: []string{f}, CacheFile: cache})
		if rep := s.Reload(context.Background()); rep.State != tak.StateOK {
			t.Fatalf("first load: %+v", rep.Status)
		}
		before := s.Catalogue()
		writeFile(t, f, "routes:\n  - receiver: SE-RECV\n    adress: typo\n")
		rep := s.Reload(context.Background())
		if rep.State != tak.StateReusing || s.Catalogue() != before {
			t.Fatalf("after a broken file: %+v", rep.Status)
		}
		if !strings.Contains(rep.Message, `tak.yaml:3:5: unknown field "adress"`) || rep.Err == nil {
			t.Fatalf("message %q should say why, naming file, line and field", rep.Message)
		}
		if d := s.Catalogue().Decide(query()); d.Fault != nil || d.Route.Address != "https://producer.example/a" {
			t.Fatalf("old catalogue not in use: %+v", d)
		}
	})
	t.Run("restored from the local cache", func(t *testing.T) {
		t.Parallel()
		s := newStore(t, tak.Config{Files: []string{broken}, CacheFile: cache})
		rep := s.Reload(context.Background())
		if rep.State != tak.StateRestored || rep.Routes != 1 || rep.Permissions != 1 {
			t.Fatalf("report = %+v", rep.Status)
		}
		if d := s.Catalogue().Decide(query()); d.Fault != nil || d.Route.Address != "https://from-cache" {
			t.Fatalf("decision = %+v", d)
		}
	})
	t.Run("failed: nothing loaded, VP008", func(t *testing.T) {
		t.Parallel()
		s := newStore(t, tak.Config{Files: []string{broken}, CacheFile: filepath.Join(dir, "no-such-cache.xml")})
		rep := s.Reload(context.Background())
		if rep.State != tak.StateFailed || s.Catalogue() != nil {
			t.Fatalf("report = %+v", rep.Status)
		}
		if !strings.Contains(rep.Message, "no-such-cache.xml") || !strings.Contains(rep.Message, "broken.yaml") {
			t.Fatalf("message %q should name both failures", rep.Message)
		}
		if d := s.Catalogue().Decide(query()); d.Fault == nil || d.Fault.Code != vpfault.VP008 {
			t.Fatalf("decision = %+v, want VP008", d)
		}
	})
	t.Run("empty after the contract filter is a failure", func(t *testing.T) {
		t.Parallel()
		s := newStore(t, tak.Config{Files: []string{good}, Contracts: []string{"urn:riv:NamespaceNoMatch:1"}})
		if rep := s.Reload(context.Background()); rep.State != tak.StateFailed || !strings.Contains(rep.Message, "contract filter") {
			t.Fatalf("report = %+v", rep.Status)
		}
	})
	t.Run("broken HSA file fails the reload", func(t *testing.T) {
		t.Parallel()
		s := newStore(t, tak.Config{Files: []string{good}, HSAFiles: []string{broken}})
		if rep := s.Reload(context.Background()); rep.State != tak.StateFailed || !strings.Contains(rep.Message, "HSA") {
			t.Fatalf("report = %+v", rep.Status)
		}
	})
}

// TestReloadUnderLoad runs lookups on several goroutines while the file
// flips between two catalogues and reloads run: every lookup sees one whole
// catalogue or the other, never a half-built one. Run with -race.
func TestReloadUnderLoad(t *testing.T) {
	t.Parallel()
	f := filepath.Join(t.TempDir(), "tak.yaml")
	addrs := [2]string{"https://producer.example/a", "https://producer.example/b"}
	writeFile(t, f, catalogueYAML(addrs[0]))
	s := newStore(t, tak.Config{Files: []string{f}})
	if rep := s.Reload(context.Background()); rep.State != tak.StateOK {
		t.Fatal(rep.Status)
	}
	var stop atomic.Bool
	var lookups, seenB atomic.Int64
	var wg sync.WaitGroup
	errs := make(chan string, 8)
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for n := 0; !stop.Load() && n < 5_000_000; n++ {
				c := s.Catalogue()
				d := c.Decide(query())
				switch {
				case d.Fault != nil:
					errs <- d.Fault.Error()
					return
				case d.Route.Address == addrs[1]:
					seenB.Add(1)
				case d.Route.Address != addrs[0]:
					errs <- "unexpected address " + d.Route.Address
					return
				}
				if r, p := c.Counts(); r != 1 || p != 1 {
					errs <- fmt.Sprintf("catalogue with %d routes, %d permissions", r, p)
					return
				}
				lookups.Add(1)
			}
		}()
	}
	for i := range 40 {
		writeFile(t, f, catalogueYAML(addrs[(i+1)%2]))
		if rep := s.Reload(context.Background()); rep.State != tak.StateOK {
			t.Errorf("reload %d: %+v", i, rep.Status)
		}
		time.Sleep(time.Millisecond)
	}
	stop.Store(true)
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
	if lookups.Load() == 0 || seenB.Load() == 0 {
		t.Fatalf("lookups %d, of which on the second catalogue %d: the swap was not exercised", lookups.Load(), seenB.Load())
	}
	t.Logf("%d lookups during 40 reloads", lookups.Load())
}

// TestStartPolls: Start loads at once and picks up a changed file on the
// next poll.
func TestStartPolls(t *testing.T) {
	t.Parallel()
	f := filepath.Join(t.TempDir(), "tak.yaml")
	writeFile(t, f, catalogueYAML("https://producer.example/a"))
	s := newStore(t, tak.Config{Files: []string{f}, Poll: 20 * time.Millisecond})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Start(ctx) }()
	waitFor := func(addr string) {
		t.Helper()
		deadline := time.Now().Add(10 * time.Second)
		for time.Now().Before(deadline) {
			if c := s.Catalogue(); c != nil {
				if d := c.Decide(query()); d.Route != nil && d.Route.Address == addr {
					return
				}
			}
			time.Sleep(5 * time.Millisecond)
		}
		t.Fatalf("catalogue never routed to %s; status %+v", addr, s.Status())
	}
	waitFor("https://producer.example/a")
	writeFile(t, f, catalogueYAML("https://producer.example/b"))
	waitFor("https://producer.example/b")
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Start did not return after cancel")
	}
}

func TestNewStoreRejects(t *testing.T) {
	t.Parallel()
	for name, cfg := range map[string]tak.Config{
		"no source":     {},
		"negative poll": {Files: []string{"x"}, Poll: -time.Second},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			if _, err := tak.NewStore(cfg, zerolog.Nop()); err == nil {
				t.Fatal("NewStore accepted it")
			}
		})
	}
}
