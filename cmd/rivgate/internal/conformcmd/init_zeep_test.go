package conformcmd

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
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

const systemPython = "/usr/bin/python3"

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
	if err := exec.Command(systemPython, "-c", "import zeep").Run(); err != nil {
		t.Skip("python3-zeep missing: apt-get install -y python3-zeep")
	}
	const receiver, unknown = "SE2321000016-1234", "SE2321000016-NOSUCH"
	script := filepath.Join(testutil.RepoRoot(t), "cmd", "rivgate", "internal", "conformcmd", "testdata", "zeep_init_consumer.py")
	f := writePKI(t)
	contractsRoot := rivtatest.Contracts(t)
	type want struct {
		check    string // a failed check in the happy scenario ("" for none)
		names    string // what its message names
		zeepSaw  string // the start of what zeep saw on its first call
		scenario int    // 0: the happy path, 2: the producer fault
	}
	contractCases := []struct {
		dir, op, drop string
	}{
		{"clinicalprocess_logistics_logistics_2.0.1", "GetCareContacts", "patientId"},
		{"clinicalprocess_healthcond_description_2.1.1", "GetCareDocumentation", "patientId"},
	}
	variants := []struct {
		name string
		want want
	}{
		{"good", want{zeepSaw: "ok"}},
		{"whitespace", want{check: "RIV-RECV-02", zeepSaw: "fault VP004"}},
		{"unknown", want{zeepSaw: "fault VP004"}},
		{"missing", want{check: "RIV-XSD-01", zeepSaw: "ok"}},
		{"storm", want{check: "RIV-BEH-01", zeepSaw: "ok"}},
	}
	for _, cc := range contractCases {
		for _, v := range variants {
			t.Run(cc.op+"/"+v.name, func(t *testing.T) {
				t.Parallel()
				contractDir := filepath.Join(contractsRoot, cc.dir)
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
				arg := map[string]string{"unknown": unknown, "missing": cc.drop}[v.name]
				trigger := fmt.Sprintf("%s '%s' %s %s '%s' '%s' '%s' '%s' '%s' %s %s", systemPython, script, wsdlPath, cc.op,
					filepath.Join(suiteDir, "requests", cc.op+".xml"), f.clientCert, f.clientKey, f.ca, logPath, v.name, arg)
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
				if len(saw) == 0 || !strings.HasPrefix(saw[0].Outcome, v.want.zeepSaw) || saw[0].Scenario != happy {
					t.Errorf("zeep's first call: %v, want %q in %s\n%s", saw, v.want.zeepSaw, happy, report)
				}
				switch v.name {
				case "good":
					if len(failed) > 0 || run.Status != result.ManualPending || code != 0 {
						t.Fatalf("a well-behaved zeep: exit %d, want a clean run waiting for the manual step\n%s", code, report)
					}
					return
				case "unknown":
					// The platform's refusal is what zeep must see; any
					// finding naming the receiver is the harness's record.
					if len(failed) == 0 || !strings.Contains(strings.Join(failed, "\n"), unknown) {
						t.Errorf("an unknown receiver gave no finding naming it\n%s", report)
					}
				}
				if v.want.check == "" {
					return
				}
				hit := false
				for _, l := range failed {
					if strings.HasPrefix(l, happy+"/") && strings.Contains(l, " "+v.want.check+": ") &&
						(v.name != "missing" || strings.Contains(l, cc.drop)) {
						hit = true
					}
				}
				if !hit {
					t.Errorf("no failed %s in %s (naming %q)\n%s", v.want.check, happy, cc.drop, report)
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
