package initsuite_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/goccy/go-yaml"
	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rivgate/rivgate/conformance/author/initsuite"
	"github.com/rivgate/rivgate/conformance/judge/match"
	"github.com/rivgate/rivgate/conformance/suite/scenario"
	"github.com/rivgate/rivgate/contracts"
	"github.com/rivgate/rivgate/contracts/msgcheck"
	"github.com/rivgate/rivgate/contracts/xsd"
	"github.com/rivgate/rivgate/internal/testutil/rivtatest"
	"github.com/rivgate/rivgate/internal/testutil/schematest"
)

const (
	receiver = "SE2321000016-1234"
	consumer = "SE2321000016-ABCD"
)

// notServiceContracts are the shared folders init must refuse.
var notServiceContracts = map[string]bool{"skltp_tak_vagval_2.0": true}

// anchoredPatterns are the shared contracts whose XSD writes patterns as
// '^...$'. Read literally (XSD's reading, and rivgate's until item 2 of
// issue 18 lands) only values holding '^' and '$' are valid; read as
// anchors (item 2's default) only values without them. The samples follow
// whichever reading contracts/sample and contracts/xsd share; while the two
// disagree (one merged before the other), these folders' answers may fail
// validation, but only on a pattern facet: the test says which, and fails
// on any other problem. Remove this table when item 2 has landed.
var anchoredPatterns = map[string]string{
	"crm_requeststatus_1.0.1_from-soapui": "subject of care id pattern '^...$' (issue 18 item 2)",
	"crm_scheduling_1.0.4":                "subject_of_care pattern '^[0-9]{8}[0-9pPtTfF][0-9]{3}$' (issue 18 item 2)",
	"itintegration_engagementindex_1.0":   "registeredResidentIdentification pattern '^...$' (issue 18 item 2)",
}

// TestEveryOperationOfEveryContract runs init on every contract folder
// under ../shared/rivta/contracts with every operation in it (each as
// NAME:VERSION) and checks that the suite loads, that every request and
// answer it holds validates against the contract, and the suite's shape:
// per operation a happy path answered with the full answer, the platform
// faults VP004, VP007 and VP009 (also after a timeout), a producer fault,
// a timeout, every connection fault, a manual step after the faults before
// the next normal call, and a call that checks the consumer recovers.
func TestEveryOperationOfEveryContract(t *testing.T) {
	t.Parallel()
	folders := rivtatest.Folders(t)
	schemas := map[string]*jsonschema.Schema{
		"suite":    schematest.Compile(t, "suite.schema.json"),
		"scenario": schematest.Compile(t, "scenario.schema.json"),
	}
	var suites, ops atomic.Int64
	for _, folder := range folders {
		name := filepath.Base(folder)
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			set, err := contracts.LoadDir(folder)
			require.NotNil(t, set, "%v", err)
			var args []string
			for _, op := range set.Operations() {
				arg := fmt.Sprintf("%s:%d.%d", op.Name, op.Major, op.Minor)
				if !slices.Contains(args, arg) {
					args = append(args, arg)
				}
			}
			out := filepath.Join(t.TempDir(), "suite")
			res, err := initsuite.Write(initsuite.Options{Contracts: folder, Operations: args, Receiver: receiver, Consumer: consumer,
				Trigger: []string{"./consumer", "fetch"}, Out: out})
			if notServiceContracts[name] {
				var nse *initsuite.NotServiceContractError
				require.ErrorAs(t, err, &nse)
				assert.Contains(t, err.Error(), "is not a RIV-TA service contract")
				entries, _ := os.ReadDir(out)
				assert.Empty(t, entries, "nothing written for a refused directory")
				return
			}
			require.NoError(t, err)
			suite, err := scenario.LoadDir(out)
			require.NoError(t, err)
			checkSchemas(t, out, suite, schemas)
			checkShape(t, suite, res.Operations)
			checkValid(t, suite, set, anchoredPatterns[name])
			suites.Add(1)
			ops.Add(int64(len(res.Operations)))
		})
	}
	t.Cleanup(func() {
		t.Logf("%d contract folders: %d suites covering %d operations written, loaded and validated", len(folders), suites.Load(), ops.Load())
	})
}

// checkSchemas validates the suite's files against the JSON Schemas
// editors use (docs/schema).
func checkSchemas(t *testing.T, dir string, suite *scenario.Suite, schemas map[string]*jsonschema.Schema) {
	t.Helper()
	check := func(schema, rel string) {
		b, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(rel)))
		require.NoError(t, err)
		var v any
		require.NoError(t, yaml.Unmarshal(b, &v), rel)
		j, err := json.Marshal(v)
		require.NoError(t, err)
		schematest.ValidateJSON(t, schemas[schema], rel, j)
	}
	check("suite", scenario.SuiteFile)
	for _, f := range suite.ScenarioFiles {
		check("scenario", f)
	}
}

// checkShape checks what every operation's scenarios hold.
func checkShape(t *testing.T, suite *scenario.Suite, ops []contracts.Operation) {
	t.Helper()
	for _, op := range ops {
		var answers []string
		var faultWithoutManual []string
		happy := false
		for _, sc := range suite.Scenarios {
			if len(sc.Steps) == 0 || sc.Steps[0].Expect == nil || sc.Steps[0].Expect.Contract != op.Namespace {
				continue
			}
			assert.NotEmpty(t, sc.Tags, "%s: tags", sc.ID)
			assert.NotEmpty(t, sc.Functions, "%s: functions", sc.ID)
			assert.True(t, sc.Likelihood >= 1 && sc.Likelihood <= 4, "%s: likelihood", sc.ID)
			for _, r := range sc.Requirements {
				_, ok := suite.Requirement(r)
				assert.True(t, ok, "%s: requirement %s", sc.ID, r)
			}
			// Faults since the last manual step: a person judges them
			// before the next normal call (connection faults in a row
			// share one verdict).
			var faulted []string
			for i, st := range sc.Steps {
				if st.Manual != "" {
					if len(faulted) > 0 {
						assert.Contains(t, st.Manual, "kept the user's context", "%s/%s", sc.ID, st.ID)
					}
					faulted = nil
					continue
				}
				require.NotNil(t, st.Expect, "%s/%s", sc.ID, st.ID)
				assert.Equal(t, op.Name, st.Expect.Operation)
				assert.Equal(t, op.Namespace, st.Expect.Contract)
				require.NotNil(t, st.Trigger, "%s/%s: the trigger runs before every call", sc.ID, st.ID)
				assert.Equal(t, []string{"./consumer", "fetch"}, st.Trigger.Command)
				r := st.Respond
				switch {
				case r.VPFault != "" && r.Delay > 0:
					answers = append(answers, r.VPFault+" timeout")
				case r.VPFault != "":
					answers = append(answers, r.VPFault)
				case r.SOAPFault != nil:
					answers = append(answers, "soap_fault")
				case r.Timeout:
					answers = append(answers, "timeout")
				case r.Connection != "":
					answers = append(answers, r.Connection)
				case i == 0 && strings.HasSuffix(r.File, "-full.xml") && sc.Steps[0].Request != "":
					happy = true
				}
				if r.VPFault != "" || r.SOAPFault != nil || r.Timeout || r.Connection != "" {
					faulted = append(faulted, sc.ID+"/"+st.ID)
				} else {
					faultWithoutManual = append(faultWithoutManual, faulted...)
					faulted = nil
				}
			}
			faultWithoutManual = append(faultWithoutManual, faulted...)
			last := sc.Steps[len(sc.Steps)-1]
			if len(sc.Steps) > 1 && last.Expect != nil {
				assert.Equal(t, "recovers", last.ID, "%s ends with a call that must come after the faults", sc.ID)
			}
		}
		assert.True(t, happy, "%s: a happy path answered with the full answer", op.Name)
		want := append([]string{"soap_fault", "VP004", "VP007", "VP009", "VP009 timeout", "timeout"}, scenario.ConnectionFaults()...)
		for _, w := range want {
			assert.Contains(t, answers, w, "%s", op.Name)
		}
		assert.Empty(t, faultWithoutManual, "%s: every fault is followed by a manual step", op.Name)
	}
}

// checkValid validates every request and response file the suite names
// against the contract. known is why the folder's answers may fail on a
// pattern ("" when they may not).
func checkValid(t *testing.T, suite *scenario.Suite, set *contracts.Set, known string) {
	t.Helper()
	v := xsd.New(set)
	files := map[string]bool{}
	for _, sc := range suite.Scenarios {
		for _, st := range sc.Steps {
			if st.Request != "" {
				files[st.Request] = true
			}
			if st.Respond != nil && st.Respond.File != "" {
				files[st.Respond.File] = true
			}
		}
	}
	require.NotEmpty(t, files)
	anchored := false
	for _, f := range slices.Sorted(maps.Keys(files)) {
		b, err := suite.ReadFile(f)
		require.NoError(t, err)
		anchored = anchored || strings.Contains(string(b), "$<")
		_, probs, err := xsd.ValidateMessage(v, b)
		require.NoError(t, err, f)
		if len(probs) == 0 {
			continue
		}
		if known == "" {
			t.Errorf("%s does not validate: %v", f, probs)
			continue
		}
		for _, p := range probs {
			if !strings.Contains(strings.ToLower(p.Message), "pattern") {
				t.Errorf("%s: %s, which is not the known pattern problem (%s)", f, p, known)
			}
		}
		t.Logf("%s: known, until item 2 of issue 18 lands (%s): %v", f, known, probs)
	}
	if known != "" && !anchored {
		t.Logf("anchoredPatterns lists this folder (%s), but its samples hold no '^...$' value: item 2 of issue 18 has landed, remove the row", known)
	}
}

func TestRefusals(t *testing.T) {
	t.Parallel()
	root := rivtatest.Contracts(t)
	registryRC8 := filepath.Join(root, "infrastructure_itintegration_registry_2.0_RC8")
	monitoring := filepath.Join(root, "itintegration_monitoring_1.0")
	full := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(full, "suite.yaml"), []byte("id: mine\n"), 0o644))
	tests := []struct {
		name string
		opt  initsuite.Options
		want []string
		as   any
	}{
		{name: "several versions", opt: initsuite.Options{Contracts: registryRC8, Operations: []string{"GetLogicalAddresseesByServiceContract"}},
			want: []string{"more than one version", "GetLogicalAddresseesByServiceContract:1.0  (urn:riv:itintegration:registry:GetLogicalAddresseesByServiceContractResponder:1",
				"GetLogicalAddresseesByServiceContract:2.0  (urn:riv:infrastructure:itintegration:registry:GetLogicalAddresseesByServiceContractResponder:2"},
			as: new(*initsuite.AmbiguousError)},
		{name: "no such version", opt: initsuite.Options{Contracts: registryRC8, Operations: []string{"GetSupportedServiceContracts:3"}},
			want: []string{`no version "3" of operation GetSupportedServiceContracts`, "GetSupportedServiceContracts:1.0", "GetSupportedServiceContracts:2.0"}},
		{name: "no such operation", opt: initsuite.Options{Contracts: monitoring, Operations: []string{"Ping"}},
			want: []string{`no operation "Ping"`, "PingForConfiguration:1.0"}},
		{name: "twice", opt: initsuite.Options{Contracts: monitoring, Operations: []string{"PingForConfiguration", "pingforconfiguration:1"}},
			want: []string{"PingForConfiguration 1.0 is given twice"}},
		{name: "the TAK's own WSDLs", opt: initsuite.Options{Contracts: filepath.Join(root, "skltp_tak_vagval_2.0"), Operations: []string{"visaVagval"}},
			want: []string{"skltp_tak_vagval_2.0 is not a RIV-TA service contract", "hamtaAllaAnropsBehorigheter (urn:skl:tp:vagvalsinfo:v1)", "and 7 more"},
			as:   new(*initsuite.NotServiceContractError)},
		{name: "not a contract directory", opt: initsuite.Options{Contracts: t.TempDir(), Operations: []string{"X"}},
			want: []string{"no *.wsdl files"}},
		{name: "a suite is there", opt: initsuite.Options{Contracts: monitoring, Operations: []string{"PingForConfiguration"}, Out: full},
			want: []string{"is not empty", "overwrites nothing"}},
		{name: "bad HSA-ids, no trigger program", opt: initsuite.Options{Contracts: monitoring, Operations: []string{"PingForConfiguration"},
			Receiver: " SE1", Consumer: "", Trigger: []string{""}},
			want: []string{"consumer HSA-id", "receiver HSA-id", "the trigger command has no program"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			opt := tc.opt
			if opt.Receiver == "" && opt.Consumer == "" && opt.Trigger == nil {
				opt.Receiver, opt.Consumer = receiver, consumer
			}
			if opt.Out == "" {
				opt.Out = filepath.Join(t.TempDir(), "suite")
			}
			_, err := initsuite.Write(opt)
			require.Error(t, err)
			for _, w := range tc.want {
				assert.Contains(t, err.Error(), w)
			}
			if tc.as != nil {
				assert.True(t, errors.As(err, tc.as), "%T", err)
			}
		})
	}
}

// The commented-out matcher example in the happy path works when a user
// uncomments it: it compiles with the suite's namespaces and holds for the
// suite's own request; and without a trigger the scenario shows how to add
// one instead.
func TestMatchExampleAndTriggerHint(t *testing.T) {
	t.Parallel()
	out := filepath.Join(t.TempDir(), "suite")
	_, err := initsuite.Write(initsuite.Options{Contracts: filepath.Join(rivtatest.Contracts(t), "clinicalprocess_logistics_logistics_2.0.1", "schemas"),
		Operations: []string{"GetCareContacts"}, Receiver: receiver, Consumer: consumer, Out: out})
	require.NoError(t, err)
	file := filepath.Join(out, "scenarios", "GetCareContacts-01-happy.yaml")
	b, err := os.ReadFile(file)
	require.NoError(t, err)
	text := string(b)
	assert.Contains(t, text, "# trigger: {command: [", "a hint where the trigger goes")
	assert.NotContains(t, text, "\n    trigger:")
	for _, c := range []string{"match:", "  - xpath:", "    regex:", "    description:"} {
		require.Contains(t, text, "      # "+c)
		text = strings.Replace(text, "      # "+c, "      "+c, 1)
	}
	assert.Contains(t, text, `xpath: //gcc:GetCareContacts/gcc:patientId/logistics2:id`)
	require.NoError(t, os.WriteFile(file, []byte(text), 0o644))
	suite, err := scenario.LoadDir(out)
	require.NoError(t, err)
	st := suite.Scenarios[0].Steps[0]
	require.Len(t, st.Expect.Match, 1)
	req, err := suite.ReadFile(st.Request)
	require.NoError(t, err)
	doc, err := msgcheck.ParseDocument(req)
	require.NoError(t, err)
	r := match.Eval(st.Expect.Match[0], match.Message{Doc: doc}, suite.XPathNamespaces())
	assert.True(t, r.OK, "%s", r.Message)
}
