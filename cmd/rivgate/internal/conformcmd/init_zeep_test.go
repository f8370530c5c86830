package conformcmd

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rivgate/rivgate/conformance/results/result"
	"github.com/rivgate/rivgate/conformance/suite/scenario"
	"github.com/rivgate/rivgate/contracts/wsdlserve"
	"github.com/rivgate/rivgate/internal/testutil"
	"github.com/rivgate/rivgate/internal/testutil/rivtatest"
)

// zeepSaw is one call as the zeep consumer saw it.
type zeepSaw struct {
	Scenario, Step, Outcome string
}

// TestInitThenRunAgainstZeep is issue 18's "done when" on real contracts:
// `conform init`, then `conform run` of the written suite (settle shortened,
// only the scenarios needed) with python3-zeep as the consumer over mutual
// TLS, loading the WSDL from the harness's ?wsdl. A well-behaved zeep
// passes clean with the manual step pending; each misbehaving variant gets
// its finding in the scenario it misbehaved in, and sees the platform's
// fault where the platform would refuse the call.
func TestInitThenRunAgainstZeep(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("-short: runs python3-zeep through generated suites")
	}
	systemPython := testutil.Zeep(t)
	const receiver, unknown = "SE2321000016-1234", "SE2321000016-NOSUCH"
	script := filepath.Join(testutil.RepoRoot(t), "cmd", "rivgate", "internal", "conformcmd", "testdata", "zeep_init_consumer.py")
	f := writePKI(t)
	contractsRoot := rivtatest.Contracts(t)
	// variant is one way the zeep consumer behaves (the script's VARIANT
	// and ARG) and the finding it must give in the happy scenario.
	type variant struct {
		name, behave, arg string
		check             string // a failed check ("" for none)
		names             string // what its message must name
		zeepSaw           string // the start of what zeep saw on its first call
	}
	misbehaving := func(drop string) []variant {
		return []variant{
			{name: "good", behave: "good", zeepSaw: "ok"},
			{name: "whitespace receiver", behave: "whitespace", check: "RIV-RECV-02", names: receiver, zeepSaw: "fault VP004"},
			{name: "unknown receiver", behave: "unknown", arg: unknown, check: "RIV-STEP-01", names: unknown, zeepSaw: "fault VP004"},
			{name: "missing " + drop, behave: "missing", arg: drop, check: "RIV-XSD-01", names: "expected is ( ", zeepSaw: "ok"},
			{name: "retry storm", behave: "storm", check: "RIV-BEH-01", names: "retry storm", zeepSaw: "ok"},
		}
	}
	contractCases := []struct {
		dir, op  string
		variants []variant
	}{
		{filepath.Join(contractsRoot, "clinicalprocess_logistics_logistics_2.0.1"), "GetCareContacts", misbehaving("patientId")},
		{filepath.Join(contractsRoot, "clinicalprocess_healthcond_description_2.1.1"), "GetCareDocumentation", misbehaving("patientId")},
		// The only contract with a header element besides the receiver.
		{testutil.Fixture(t, "contracts", "demo_notes_1.0"), "GetNotes", []variant{
			{name: "good", behave: "good", zeepSaw: "ok"},
			{name: "missing Actor", behave: "missing", arg: "Actor", check: "RIV-HDR-02", names: "Actor", zeepSaw: "ok"},
		}},
	}
	for _, cc := range contractCases {
		for _, v := range cc.variants {
			t.Run(cc.op+"/"+v.name, func(t *testing.T) {
				t.Parallel()
				contractDir := cc.dir
				served, err := wsdlserve.New(contractDir)
				if err != nil {
					t.Fatal(err)
				}
				var wsdlPath string
				for _, p := range served.Paths() {
					if strings.Contains(strings.ToLower(p), "/"+strings.ToLower(cc.op)+"/") {
						wsdlPath = p
					}
				}
				if wsdlPath == "" {
					t.Fatalf("no served WSDL for %s in %v", cc.op, served.Paths())
				}
				work := t.TempDir()
				suiteDir, logPath := filepath.Join(work, "suite"), filepath.Join(work, "zeep.log")
				trigger := fmt.Sprintf("%s '%s' %s %s '%s' '%s' '%s' '%s' '%s' %s %s", systemPython, script, wsdlPath, cc.op,
					filepath.Join(suiteDir, "requests", cc.op+".xml"), f.clientCert, f.clientKey, f.ca, logPath, v.behave, v.arg)
				code, log := execute(t, New(), "init", "--contracts", contractDir, "--operation", cc.op,
					"--receiver", receiver, "--consumer", "SE2321000016-DEMOCONS", "--trigger", trigger, "-o", suiteDir)
				if code != 0 {
					t.Fatalf("init: exit %d\n%s", code, log)
				}
				// A short settle keeps the run brief; the storm comes at once.
				yamlPath := filepath.Join(suiteDir, "suite.yaml")
				b, err := os.ReadFile(yamlPath)
				if err != nil {
					t.Fatal(err)
				}
				if !strings.Contains(string(b), "\ndefaults:\n") {
					t.Fatalf("suite.yaml has no defaults block:\n%s", b)
				}
				if err := os.WriteFile(yamlPath, []byte(strings.Replace(string(b), "\ndefaults:\n", "\ndefaults:\n  settle: 300ms\n", 1)), 0o644); err != nil {
					t.Fatal(err)
				}
				suite, err := scenario.LoadDir(suiteDir)
				if err != nil {
					t.Fatal(err)
				}
				happy, fault := suite.Scenarios[0].ID, suite.Scenarios[2].ID
				args := []string{"run", "--suite", suiteDir, "--out", filepath.Join(work, "run"), "--listen", "127.0.0.1:0",
					"--cert", f.serverCert, "--key", f.serverKey, "--client-ca", f.ca, "--scenario", happy}
				if v.name == "good" {
					args = append(args, "--scenario", fault)
				}
				start := time.Now()
				code, log = executeWithin(t, 2*time.Minute, New(), args...)
				t.Logf("run took %s (exit %d)", time.Since(start).Round(time.Millisecond), code)
				run, err := result.Read(filepath.Join(work, "run"))
				if err != nil {
					t.Fatalf("run: exit %d: %v\n%s", code, err, log)
				}
				var failed []string
				for _, sc := range run.Scenarios {
					for _, st := range sc.Steps {
						for _, c := range st.Checks {
							if c.Status == result.Fail {
								failed = append(failed, fmt.Sprintf("%s/%s %s: %s", sc.ID, st.ID, c.ID, c.Message))
							}
						}
					}
				}
				for _, c := range run.Unexpected {
					failed = append(failed, fmt.Sprintf("unexpected %s: %s", c.ID, c.Message))
				}
				saw := readZeepLog(t, logPath)
				report := fmt.Sprintf("status %s, failed:\n%s\nzeep saw: %v\n%s", run.Status, strings.Join(failed, "\n"), saw, log)
				t.Logf("status %s, failed: %q, zeep saw: %v", run.Status, failed, saw)
				if len(saw) == 0 || !strings.HasPrefix(saw[0].Outcome, v.zeepSaw) || saw[0].Scenario != happy {
					t.Errorf("zeep's first call: %v, want %q in %s\n%s", saw, v.zeepSaw, happy, report)
				}
				if v.check == "" {
					if len(failed) > 0 || run.Status != result.ManualPending || code != 0 {
						t.Fatalf("a well-behaved zeep: exit %d, want a clean run waiting for the manual step\n%s", code, report)
					}
					return
				}
				if code != 1 || run.Status != result.Fail {
					t.Errorf("exit %d, status %s: want 1, fail\n%s", code, run.Status, report)
				}
				hit := false
				for _, l := range failed {
					if strings.HasPrefix(l, happy+"/") && strings.Contains(l, " "+v.check+": ") && strings.Contains(l, v.names) &&
						(v.behave != "missing" || strings.Contains(l, v.arg)) {
						hit = true
					}
				}
				if !hit {
					t.Errorf("no failed %s in %s naming %q\n%s", v.check, happy, v.names, report)
				}
			})
		}
	}
}

// readZeepLog reads what the zeep consumer saw, call by call.
func readZeepLog(t *testing.T, path string) []zeepSaw {
	t.Helper()
	fh, err := os.Open(path)
	if os.IsNotExist(err) {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	defer fh.Close()
	var out []zeepSaw
	sc := bufio.NewScanner(fh)
	for sc.Scan() {
		var s zeepSaw
		if err := json.Unmarshal(sc.Bytes(), &s); err != nil {
			t.Fatalf("zeep log: %v", err)
		}
		out = append(out, s)
	}
	return out
}
