//go:build libxml2

package xsd_test

import (
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rivgate/rivgate/contracts"
	"github.com/rivgate/rivgate/contracts/xsd"
)

func TestLibxml2Concurrent(t *testing.T) {
	t.Parallel()
	v, err := xsd.NewLibxml2(testSet(t))
	require.NoError(t, err)
	defer v.(*xsd.Libxml2).Close()
	var wg sync.WaitGroup
	results := make([]int, 16)
	for i := range results {
		wg.Go(func() {
			doc := validThings
			if i%2 == 1 {
				doc = strings.Replace(validThings, "191212121212", "x", 1)
			}
			probs, err := v.Validate(thingsNS, []byte(doc))
			if err != nil {
				results[i] = -1
				return
			}
			results[i] = len(probs)
		})
	}
	wg.Wait()
	for i, n := range results {
		if i%2 == 0 {
			assert.Equal(t, 0, n, "goroutine %d", i)
		} else {
			assert.Equal(t, 1, n, "goroutine %d", i)
		}
	}
	_, err = v.Validate("urn:nope", []byte(`<a/>`))
	require.ErrorIs(t, err, xsd.ErrUnknownNamespace)
}

// BenchmarkValidateSampleLibxml2 is BenchmarkValidateSample with libxml2.
func BenchmarkValidateSampleLibxml2(b *testing.B) {
	samples, docs, _ := corpus(b)
	vs := map[string]xsd.Validator{}
	for i, s := range samples {
		if vs[s.Folder] == nil {
			set, err := contracts.LoadDir(s.Folder)
			if err != nil {
				b.Fatal(err)
			}
			if vs[s.Folder], err = xsd.NewLibxml2(set); err != nil {
				b.Fatal(err)
			}
		}
		if _, _, err := xsd.ValidateMessage(vs[s.Folder], docs[i]); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		s := samples[i%len(samples)]
		if _, _, err := xsd.ValidateMessage(vs[s.Folder], docs[i%len(samples)]); err != nil {
			b.Fatal(err)
		}
		i++
	}
}

// The libxml2 backend follows the same switch: a pattern written ^...$ is
// anchored unless the set is strict, where libxml2 reads it as xmllint does.
func TestLibxml2PatternAnchors(t *testing.T) {
	t.Parallel()
	for _, strict := range []bool{false, true} {
		set, op := realOperation(t, "crm_scheduling_1.0.4", "GetSubjectOfCareSchedule", strict)
		v, err := xsd.NewLibxml2(set)
		require.NoError(t, err)
		msg := []byte(`<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body>` +
			`<s:GetSubjectOfCareSchedule xmlns:s="` + op.Namespace + `"><s:healthcare_facility>SE1</s:healthcare_facility>` +
			`<s:subject_of_care>191212121212</s:subject_of_care></s:GetSubjectOfCareSchedule></soapenv:Body></soapenv:Envelope>`)
		_, probs, err := xsd.ValidateMessage(v, msg)
		require.NoError(t, err)
		if strict {
			require.Len(t, probs, 1, "%v", probs)
			assert.Contains(t, probs[0].Message, "is not accepted by the pattern '^[0-9]{8}[0-9pPtTfF][0-9]{3}$'")
		} else {
			assert.Empty(t, probs)
		}
		v.(*xsd.Libxml2).Close()
	}
}
