package soapxml_test

import (
	"encoding/xml"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/rivgate/rivgate/contracts/generated/soapxml"
	"github.com/rivgate/rivgate/contracts/rivta"
)

type body struct {
	XMLName xml.Name `xml:"urn:example:svc:1 Req"`
	Value   string   `xml:"urn:example:svc:1 value"`
}

func TestMarshalUnmarshal(t *testing.T) {
	msg, err := soapxml.Marshal(&body{Value: "a<b"}, soapxml.ReceiverHeader(rivta.RIVTABP21, "SE1"))
	if err != nil {
		t.Fatal(err)
	}
	want := `<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Header><LogicalAddress xmlns="urn:riv:itintegration:registry:1">SE1</LogicalAddress></soapenv:Header><soapenv:Body><Req xmlns="urn:example:svc:1"><value xmlns="urn:example:svc:1">a&lt;b</value></Req></soapenv:Body></soapenv:Envelope>`
	if !strings.HasSuffix(string(msg), want) || !strings.HasPrefix(string(msg), "<?xml") {
		t.Errorf("Marshal =\n%s\nwant suffix\n%s", msg, want)
	}
	var got body
	if err := soapxml.Unmarshal(msg, &got); err != nil {
		t.Fatal(err)
	}
	if got.Value != "a<b" {
		t.Errorf("Value = %q", got.Value)
	}
	noHeader, err := soapxml.Marshal(&body{})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(noHeader), "Header") {
		t.Errorf("header written without header elements: %s", noHeader)
	}
}

func TestUnmarshalErrors(t *testing.T) {
	tests := []struct {
		name  string
		msg   string
		check func(error) bool
	}{
		{"not an envelope", `<Req xmlns="urn:example:svc:1"/>`, func(err error) bool { return errors.Is(err, soapxml.ErrNotEnvelope) }},
		{"SOAP 1.2", `<e:Envelope xmlns:e="http://www.w3.org/2003/05/soap-envelope"><e:Body/></e:Envelope>`, func(err error) bool {
			return errors.Is(err, soapxml.ErrNotEnvelope) && strings.Contains(err.Error(), "1.2")
		}},
		{"no body", `<e:Envelope xmlns:e="http://schemas.xmlsoap.org/soap/envelope/"><e:Header/></e:Envelope>`, func(err error) bool { return errors.Is(err, soapxml.ErrNoBody) }},
		{"empty body", `<e:Envelope xmlns:e="http://schemas.xmlsoap.org/soap/envelope/"><e:Body> </e:Body></e:Envelope>`, func(err error) bool { return errors.Is(err, soapxml.ErrEmptyBody) }},
		{"truncated", `<e:Envelope xmlns:e="http://schemas.xmlsoap.org/soap/envelope/"><e:Body><Req`, func(err error) bool { return err != nil && !errors.Is(err, soapxml.ErrNoBody) }},
		{"wrong element", `<e:Envelope xmlns:e="http://schemas.xmlsoap.org/soap/envelope/"><e:Body><Other xmlns="urn:x"/></e:Body></e:Envelope>`, func(err error) bool {
			return err != nil && strings.Contains(err.Error(), "Other")
		}},
		{"fault", `<e:Envelope xmlns:e="http://schemas.xmlsoap.org/soap/envelope/"><e:Body><e:Fault><faultcode>e:Server</faultcode><faultstring>VP007 [x] nope</faultstring><detail><d>z</d></detail></e:Fault></e:Body></e:Envelope>`, func(err error) bool {
			var f *soapxml.Fault
			return errors.As(err, &f) && f.Code == "e:Server" && f.String == "VP007 [x] nope" && f.Detail != nil && string(f.Detail.Content) == "<d>z</d>"
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := soapxml.Unmarshal([]byte(tt.msg), new(body))
			if !tt.check(err) {
				t.Errorf("Unmarshal error = %v", err)
			}
		})
	}
}

func TestAnyRoundTrip(t *testing.T) {
	in := `<x:ext xmlns:x="urn:example:ext" x:a="1" b="2"><x:inner>text &amp; more</x:inner><y:other xmlns:y="urn:example:y"/></x:ext>`
	var a soapxml.Any
	if err := xml.Unmarshal([]byte(in), &a); err != nil {
		t.Fatal(err)
	}
	out, err := xml.Marshal(a)
	if err != nil {
		t.Fatal(err)
	}
	var b soapxml.Any
	if err := xml.Unmarshal(out, &b); err != nil {
		t.Fatal(err)
	}
	if b.XMLName != (xml.Name{Space: "urn:example:ext", Local: "ext"}) || len(b.Attr) != 2 {
		t.Errorf("element after round trip: %+v (%s)", b, out)
	}
	if strings.Contains(string(out), `xmlns:_xmlns`) || !strings.Contains(string(out), "text &amp; more") {
		t.Errorf("marshalled badly: %s", out)
	}
	if !strings.Contains(string(out), `<other xmlns="urn:example:y">`) {
		t.Errorf("nested element lost its namespace: %s", out)
	}
}

func TestDateTimeParse(t *testing.T) {
	sthlm, err := time.LoadLocation("Europe/Stockholm")
	if err != nil {
		t.Skipf("time zone data missing: %v", err)
	}
	tests := []struct {
		name    string
		in      soapxml.DateTime
		loc     *time.Location
		want    time.Time
		zoned   bool
		wantErr bool
	}{
		{"zone-less local midnight", "2013-05-24T00:00:00", sthlm, time.Date(2013, 5, 24, 0, 0, 0, 0, sthlm), false, false},
		{"offset", "2013-08-09T13:25:24.260+02:00", sthlm, time.Date(2013, 8, 9, 11, 25, 24, 260e6, time.UTC), true, false},
		{"UTC", "2013-08-09T13:25:24Z", nil, time.Date(2013, 8, 9, 13, 25, 24, 0, time.UTC), true, false},
		{"surrounding whitespace", "\n 2013-05-24T00:00:00 \n", time.UTC, time.Date(2013, 5, 24, 0, 0, 0, 0, time.UTC), false, false},
		{"end of day", "2013-05-24T24:00:00", time.UTC, time.Date(2013, 5, 25, 0, 0, 0, 0, time.UTC), false, false},
		{"zone-less without location", "2013-05-24T00:00:00", nil, time.Time{}, false, true},
		{"garbage", "24 maj 2013", sthlm, time.Time{}, false, true},
		{"empty", "", sthlm, time.Time{}, false, true},
		{"date only", "2013-05-24", sthlm, time.Time{}, false, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, zoned, err := tt.in.Parse(tt.loc)
			if tt.wantErr {
				if err == nil {
					t.Errorf("Parse(%q) = %v, want error", tt.in, got)
				}
				return
			}
			if err != nil || !got.Equal(tt.want) || zoned != tt.zoned {
				t.Errorf("Parse(%q) = %v, %v, %v; want %v, %v", tt.in, got, zoned, err, tt.want, tt.zoned)
			}
		})
	}
}

func TestFormatDateTime(t *testing.T) {
	in := time.Date(2013, 8, 9, 13, 25, 24, 260e6, time.FixedZone("", 2*3600))
	if got := soapxml.FormatDateTime(in); got != "2013-08-09T13:25:24.26+02:00" {
		t.Errorf("FormatDateTime = %q", got)
	}
}
