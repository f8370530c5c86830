package tak

import (
	"errors"
	"time"
)

// newFetcher makes the SokVagvalsInfo v2 client for cfg.URL.
func newFetcher(cfg Config, loc *time.Location) (fetchFunc, error) {
	_ = cfg
	_ = loc
	return nil, errors.New("TAK url: the SokVagvalsInfo client is not built yet")
}
