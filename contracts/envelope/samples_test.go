package envelope

import (
	"bytes"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rivgate/rivgate/contracts/rivta"
)

const (
	wsa      = rivta.WSAddressingNS
	registry = rivta.LogicalAddressNS
	interop  = "urn:riv:interoperability:headers:1"
	schedNS  = "urn:riv:crm:scheduling:GetSubjectOfCareScheduleResponder:1"
	pingNS   = "urn:riv:itintegration:monitoring:PingForConfigurationResponder:1"
)

// Every message in VP's testfiles, with what VP's request reader extracts
// from it (and what we add: headers, body start).
func TestSniffVPSamples(t *testing.T) {
	dir := sharedDir(t, "samples/skltp-vp/testfiles")
	tests := []struct {
		file     string
		receiver string
		profile  rivta.Profile
		body     QName
		bodyTag  string // the raw start of the body child at BodyStart
		headers  []QName
	}{
		{"GetSubjectOfCareLargeResponse.xml", "", "",
			QName{schedNS, "GetSubjectOfCareScheduleResponse"}, "<ns2:GetSubjectOfCareScheduleResponse ",
			[]QName{{interop, "ProcessingStatus"}}},
		{"GetSubjectOfCareRequest20.xml", "demo-tidbok", rivta.RIVTABP20,
			QName{schedNS, "GetSubjectOfCareSchedule"}, "<urn2:GetSubjectOfCareSchedule>",
			[]QName{{interop, "Actor"}, {wsa, "To"}}},
		{"GetSubjectOfCareRequest21.xml", "demo-tidbok", rivta.RIVTABP21,
			QName{schedNS, "GetSubjectOfCareSchedule"}, "<urn2:GetSubjectOfCareSchedule>",
			[]QName{{interop, "Actor"}, {registry, "LogicalAddress"}}},
		{"PingForConfiguration-expected-result.xml", "local-ping-producer", rivta.RIVTABP21,
			QName{pingNS, "PingForConfiguration"}, "<urn:PingForConfiguration>",
			[]QName{{registry, "LogicalAddress"}}},
		{"PingForConfiguration-expected-rivtabp20-result.xml", "local-ping-producer", rivta.RIVTABP20,
			QName{pingNS, "PingForConfiguration"}, "<urn:PingForConfiguration>",
			[]QName{{wsa, "To"}}},
		{"PingForConfiguration-request-input.xml", "local-ping-producer", rivta.RIVTABP20,
			QName{pingNS, "PingForConfiguration"}, "<urn:PingForConfiguration>",
			[]QName{{wsa, "To"}}},
		{"PingForConfiguration-request-rivtabp21-input.xml", "local-ping-producer", rivta.RIVTABP21,
			QName{pingNS, "PingForConfiguration"}, "<urn:PingForConfiguration>",
			[]QName{{registry, "LogicalAddress"}}},
		{"ProcessNotificationLargePayload.xml", "5565594230", rivta.RIVTABP21,
			QName{"urn:riv:itintegration:engagementindex:ProcessNotificationResponder:1", "ProcessNotification"}, "<urn1:ProcessNotification>",
			[]QName{{registry, "LogicalAddress"}}},
		{"Rivta20Request.xml", "RIVTA20REQUEST", rivta.RIVTABP20,
			QName{schedNS, "GetSubjectOfCareSchedule"}, "<ns2:GetSubjectOfCareSchedule xmlns=",
			[]QName{{wsa, "To"}}},
		{"Rivta20RequestNamespaceInHeader.xml", "RIVTA20REQUEST", rivta.RIVTABP20,
			QName{schedNS, "GetSubjectOfCareSchedule"}, "<ns2:GetSubjectOfCareSchedule xmlns=",
			[]QName{{wsa, "To"}}},
		{"Rivta21Request.xml", "RIVTA21REQUEST", rivta.RIVTABP21,
			QName{schedNS, "GetSubjectOfCareSchedule"}, "<ns2:GetSubjectOfCareSchedule xmlns=",
			[]QName{{registry, "LogicalAddress"}}},
		{"Rivta21RequestNamespaceInHeader.xml", "RIVTA21REQUEST", rivta.RIVTABP21,
			QName{schedNS, "GetSubjectOfCareSchedule"}, "<ns2:GetSubjectOfCareSchedule xmlns=",
			[]QName{{registry, "LogicalAddress"}}},
	}

	// The table must cover every message in the folder: a new sample
	// fails here until it has a row.
	files, err := filepath.Glob(filepath.Join(dir, "*.xml"))
	require.NoError(t, err)
	var names, rows []string
	for _, f := range files {
		names = append(names, filepath.Base(f))
	}
	for _, tt := range tests {
		rows = append(rows, tt.file)
	}
	sort.Strings(names)
	sort.Strings(rows)
	require.Equal(t, names, rows, "one row per sample in %s", dir)

	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			t.Parallel()
			b, err := os.ReadFile(filepath.Join(dir, tt.file))
			require.NoError(t, err)

			info := mustSniff(t, b)
			assert.Equal(t, SOAP11, info.Version)
			assert.Equal(t, tt.receiver, info.Receiver)
			assert.Equal(t, tt.receiver != "", info.HasReceiver)
			assert.Equal(t, tt.profile, info.Profile)
			assert.Equal(t, tt.body, info.Body)
			assert.Equal(t, "UTF-8", info.Charset)
			var got []QName
			for _, h := range info.Headers {
				got = append(got, h.Name)
			}
			assert.Equal(t, tt.headers, got)
			require.Less(t, info.BodyStart, int64(len(b)))
			assert.True(t, bytes.HasPrefix(b[info.BodyStart:], []byte(tt.bodyTag)),
				"at BodyStart: %q", b[info.BodyStart:min(int(info.BodyStart)+60, len(b))])

			// The streaming path sees the same, whatever the read sizes.
			sInfo, head, err := Sniff(bytes.NewReader(b), Options{})
			require.NoError(t, err)
			assert.True(t, bytes.HasPrefix(b, head), "head is a prefix of the message")
			assert.Equal(t, info, sInfo)
			oInfo, head, err := Sniff(iotest.OneByteReader(bytes.NewReader(b)), Options{})
			require.NoError(t, err)
			assert.Equal(t, info, oInfo)
			assert.True(t, bytes.HasPrefix(b, head))
			assert.Less(t, len(head), int(info.BodyStart)+len(tt.bodyTag)+600,
				"a one-byte reader is read just past the body child's start tag")
		})
	}
}

// The receiver header's text is exactly what is between the tags.
func TestSniffSampleHeaderText(t *testing.T) {
	b := vpTestfile(t, "GetSubjectOfCareRequest20.xml")
	info := mustSniff(t, b)
	require.Len(t, info.Headers, 2)
	assert.Equal(t, "\n      ?\n      ?\n    ", info.Headers[0].Text, "Actor: all descendant text, untrimmed")
	assert.Equal(t, "demo-tidbok", info.Headers[1].Text)
	assert.True(t, strings.Contains(string(b), "<urn1:To>demo-tidbok</urn1:To>"))
}
