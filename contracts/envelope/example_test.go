package envelope_test

import (
	"bytes"
	"fmt"
	"io"
	"strings"

	"github.com/rivgate/rivgate/contracts/envelope"
	"github.com/rivgate/rivgate/contracts/rivta"
)

// A gateway sniffs the head of a request as it streams in, rewrites the
// receiver header when the producer wants the other RIV-TA profile, and
// forwards the new head followed by the untouched rest of the stream.
func Example() {
	body := strings.NewReader(`<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/">` +
		`<soapenv:Header><wsa:To xmlns:wsa="http://www.w3.org/2005/08/addressing">SE2321000016-A1</wsa:To></soapenv:Header>` +
		`<soapenv:Body><p:Ping xmlns:p="urn:riv:itintegration:monitoring:PingForConfigurationResponder:1"/></soapenv:Body>` +
		`</soapenv:Envelope>`)

	var z envelope.Sniffer // a server keeps these in a sync.Pool
	info, head, err := z.Sniff(body, envelope.Options{MaxHead: 1 << 20})
	if err != nil {
		fmt.Println(err) // a *SyntaxError with line and column: VP015
		return
	}
	fmt.Println(info.Version, info.Profile, info.Receiver)
	fmt.Println("contract:", info.Body.Space)

	head, err = envelope.RewriteProfile(head, info, rivta.RIVTABP21)
	if err != nil {
		fmt.Println(err)
		return
	}
	out, _ := io.ReadAll(io.MultiReader(bytes.NewReader(head), body))
	fmt.Println(string(out[bytes.Index(out, []byte("<soapenv:Header>")):bytes.Index(out, []byte("<soapenv:Body>"))]))
	// Output:
	// SOAP 1.1 RIVTABP20 SE2321000016-A1
	// contract: urn:riv:itintegration:monitoring:PingForConfigurationResponder:1
	// <soapenv:Header><LogicalAddress xmlns="urn:riv:itintegration:registry:1" xmlns:wsa="http://www.w3.org/2005/08/addressing">SE2321000016-A1</LogicalAddress></soapenv:Header>
}
