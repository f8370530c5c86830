package platform

import (
	"context"
	"net/http"
	"testing"

	"github.com/rivgate/rivgate/contracts/envelope"
	la "github.com/rivgate/rivgate/contracts/generated/logicaladdressees"
	ping "github.com/rivgate/rivgate/contracts/generated/pingforconfiguration"
	sc "github.com/rivgate/rivgate/contracts/generated/supportedcontracts"
	"github.com/rivgate/rivgate/contracts/rivta"
)

func benchServe(b *testing.B, msg []byte) {
	s := newService(vpTestData(b))
	info, err := envelope.SniffBytes(msg)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if status, body := s.Serve(context.Background(), info, msg); status != http.StatusOK {
			b.Fatalf("status %d\n%s", status, body)
		}
	}
}

func BenchmarkPing(b *testing.B) {
	msg, err := ping.RequestEnvelope(rivta.RIVTABP21, platformAddress, &ping.PingForConfiguration{ServiceContractNamespace: ping.Namespace, LogicalAddress: platformAddress})
	if err != nil {
		b.Fatal(err)
	}
	benchServe(b, msg)
}

func BenchmarkGetLogicalAddressees(b *testing.B) {
	msg, err := la.RequestEnvelope(platformAddress, &la.GetLogicalAddresseesByServiceContract{
		ServiceConsumerHsaId:     "SenderWithDefaultBehorighet",
		ServiceContractNameSpace: la.ServiceContractNamespaceType{ServiceContractNamespace: nsCertificate},
	})
	if err != nil {
		b.Fatal(err)
	}
	benchServe(b, msg)
}

func BenchmarkGetSupportedContracts(b *testing.B) {
	c := sc.HsaIdType("tp")
	msg, err := sc.RequestEnvelope(platformAddress, &sc.GetSupportedServiceContracts{ServiceConsumerHsaId: &c, LogicalAdress: "HttpProducer"})
	if err != nil {
		b.Fatal(err)
	}
	benchServe(b, msg)
}
