//go:build !libxml2

package xsd

import (
	"errors"

	"github.com/rivgate/rivgate/contracts"
)

// ErrNoLibxml2 is returned by NewLibxml2 in builds without the libxml2 tag.
var ErrNoLibxml2 = errors.New("this rivgate was built without the libxml2 XSD backend (build with -tags libxml2)")

// NewLibxml2 is only available in builds with -tags libxml2.
func NewLibxml2(*contracts.Set) (Validator, error) { return nil, ErrNoLibxml2 }
