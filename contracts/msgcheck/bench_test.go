package msgcheck

import (
	"net/http"
	"testing"

	"github.com/rivgate/rivgate/contracts/xsd"
)

// BenchmarkCheckRequest is every rule on one GetVisits request as it
// arrives: one sniff, one tree, XSD validation and the header rules.
func BenchmarkCheckRequest(b *testing.B) {
	set := demoContracts(b)
	c := Checker{Contracts: set, Validator: xsd.New(set), Consumer: consumer}
	body := getVisits(b)
	h := http.Header{"Content-Type": {"text/xml; charset=UTF-8"}, "Soapaction": {action}}
	rules := Rules()
	c.Check(&Message{Header: h, Body: body}, rules...) // compile the schema outside the loop
	b.ReportAllocs()
	for b.Loop() {
		c.Check(&Message{Header: h, Body: body}, rules...)
	}
}
