package xsd

import (
	"fmt"

	"github.com/rivgate/rivgate/contracts"
)

// Backend names for NewBackend.
const (
	BackendGo      = "go"
	BackendLibxml2 = "libxml2"
)

// NewBackend returns the validator named name ("" or "go": the pure-Go
// default; "libxml2": libxml2 through cgo, only in builds with -tags
// libxml2).
func NewBackend(name string, set *contracts.Set) (Validator, error) {
	switch name {
	case "", BackendGo:
		return New(set), nil
	case BackendLibxml2:
		return NewLibxml2(set)
	}
	return nil, fmt.Errorf("unknown XSD backend %q: want %s or %s", name, BackendGo, BackendLibxml2)
}
