package tak

import (
	"context"
	"time"

	"github.com/rivgate/rivgate/gateway/tak/takclient"
	"github.com/rivgate/rivgate/gateway/tak/takdata"
)

// newFetcher makes the SokVagvalsInfo v2 client for cfg.URL.
func newFetcher(cfg Config, loc *time.Location) (fetchFunc, error) {
	c, err := takclient.New(cfg.URL, takclient.Options{
		Timeout: cfg.Client.Timeout, MaxResponse: cfg.Client.MaxResponse, UserAgent: cfg.Client.UserAgent, TLS: cfg.Client.TLS, Location: loc, FastDecode: cfg.Client.FastDecode,
		Username: cfg.Client.Username, Password: cfg.Client.Password,
	})
	if err != nil {
		return nil, err
	}
	return func(ctx context.Context) (*takdata.Data, error) { return c.Fetch(ctx) }, nil
}
