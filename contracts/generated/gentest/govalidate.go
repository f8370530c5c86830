package gentest

import (
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/rivgate/rivgate/contracts"
	"github.com/rivgate/rivgate/contracts/xsd"
)

// The platform WSDLs, relative to the rivta directory, for the project's own
// pure-Go validator (contracts/xsd), which every message is checked with as
// well as with xmllint.
var platformWSDLs = []string{
	"contracts/itintegration_monitoring_1.0/schemas/interactions/PingForConfigurationInteraction/PingForConfigurationInteraction_1.0_RIVTABP21.wsdl",
	"contracts/infrastructure_itintegration_registry_2.0/schemas/interactions/GetLogicalAddresseesByServiceContractInteraction/GetLogicalAddresseesByServiceContractInteraction_2.0_RIVTABP21.wsdl",
	"contracts/infrastructure_itintegration_registry_2.0/schemas/interactions/GetSupportedServiceContractsInteraction/GetSupportedServiceContractsInteraction_2.0_RIVTABP21.wsdl",
	"contracts/skltp_tak_vagval_2.0/schemas/interactions/vagvalsInfo/vagvalsinfo-sokvagvalsinfo-2.0.wsdl",
}

var goValidator struct {
	once sync.Once
	v    xsd.Validator
	err  error
}

// GoValidator is contracts/xsd's default validator over the platform
// contracts, built once per test binary (it caches compiled schemas).
func GoValidator(t testing.TB) xsd.Validator {
	t.Helper()
	rivta := RivtaDir(t)
	goValidator.once.Do(func() {
		var files []string
		for _, w := range platformWSDLs {
			files = append(files, filepath.Join(rivta, w))
		}
		set, err := contracts.LoadFiles(files...)
		if err != nil {
			goValidator.err = err
			return
		}
		goValidator.v = xsd.New(set)
	})
	if goValidator.err != nil {
		t.Fatalf("load platform contracts: %v", goValidator.err)
	}
	return goValidator.v
}

// ValidateGo validates the first Body child of an envelope with
// contracts/xsd. It returns nil when valid, an error wrapping ErrInvalid
// listing the problems when not.
func ValidateGo(t testing.TB, msg []byte) error {
	t.Helper()
	ns, problems, err := xsd.ValidateMessage(GoValidator(t), msg)
	if err != nil {
		t.Fatalf("contracts/xsd could not validate (namespace %q): %v", ns, err)
	}
	if len(problems) == 0 {
		return nil
	}
	var s []string
	for _, p := range problems {
		s = append(s, p.String())
	}
	return fmt.Errorf("%w (contracts/xsd, %s): %s", ErrInvalid, ns, strings.Join(s, "; "))
}
