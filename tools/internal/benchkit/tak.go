package benchkit

import (
	"fmt"
	"time"

	"github.com/rivgate/rivgate/contracts/rivta"
	"github.com/rivgate/rivgate/gateway/tak/takdata"
)

// Catalogue names used by the bench: the call goes to BenchContract at
// BenchReceiver from BenchSender; LargeReceiver routes to the producer's
// 100 MB mode, OneMBReceiver to its 1 MB mode.
const (
	BenchContract = "urn:riv:crm:scheduling:GetSubjectOfCareScheduleResponder:1"
	BenchSender   = "SE2321000016-BENCH"
	LargeReceiver = "SE2321000016-LARGE"
	OneMBReceiver = "SE2321000016-ONEMB"
)

// contractsPerCatalogue spreads the generated routes over this many
// contract namespaces (the rest are receivers), like a real TAK where a
// contract has many producers.
const contractsPerCatalogue = 100

// BenchReceiver is the receiver of the bench call in a catalogue of n
// routes: one from the middle, so nothing depends on insertion order.
func BenchReceiver(n int) string { return receiverName(n / 2 / contractsPerCatalogue) }

func receiverName(i int) string { return fmt.Sprintf("SE2321000016-B%06d", i) }

// contractName: index 0 is the real contract the bench request uses.
func contractName(i int) string {
	if i == 0 {
		return BenchContract
	}
	return fmt.Sprintf("urn:riv:bench:domain%d:GetThings%dResponder:1", i%20, i)
}

// Catalogue generates n routes and n permissions (every route is
// permitted to BenchSender) with producer addresses under producerBase
// (e.g. "http://127.0.0.1:9000/bench"): .../small for the generated
// routes, plus LargeReceiver (.../100mb) and OneMBReceiver (.../1mb) for
// BenchContract. Validity is 2020-01-01..2099-12-31, as calendar dates in
// loc, so every TAK format can hold it.
func Catalogue(n int, producerBase string, loc *time.Location) *takdata.Data {
	from := time.Date(2020, 1, 1, 0, 0, 0, 0, loc)
	to := time.Date(2099, 12, 31, 23, 59, 59, 999999999, loc)
	v := takdata.Validity{From: from, To: to}
	d := &takdata.Data{Source: fmt.Sprintf("rivgate bench: %d generated routes", n)}
	d.Routes = make([]takdata.Route, 0, n+2)
	d.Permissions = make([]takdata.Permission, 0, n+2)
	add := func(receiver, contract, mode string) {
		i := len(d.Routes)
		d.Routes = append(d.Routes, takdata.Route{ID: fmt.Sprint(i + 1), Receiver: receiver, Contract: contract,
			Profile: rivta.RIVTABP21, Address: producerBase + "/" + mode, Validity: v})
		d.Permissions = append(d.Permissions, takdata.Permission{ID: fmt.Sprint(i + 1), Sender: BenchSender,
			Receiver: receiver, Contract: contract, Validity: v})
	}
	for i := range n {
		add(receiverName(i/contractsPerCatalogue), contractName(i%contractsPerCatalogue), "small")
	}
	add(LargeReceiver, BenchContract, "100mb")
	add(OneMBReceiver, BenchContract, "1mb")
	return d
}
