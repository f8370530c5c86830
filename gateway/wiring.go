package gateway

import (
	"context"
	"fmt"
	"runtime/debug"
	"time"

	"github.com/rs/zerolog"

	"github.com/rivgate/rivgate/gateway/config"
	"github.com/rivgate/rivgate/gateway/platform"
	"github.com/rivgate/rivgate/gateway/tak"
)

// defaultEnvelope is the real streaming sniffer (contracts/envelope).
func defaultEnvelope() Envelope { return newSniffer() }

// defaultStore builds the catalogue store from cfg.TAK (gateway/tak).
func defaultStore(cfg *config.Config, log zerolog.Logger) (CatalogueStore, error) {
	loc, err := time.LoadLocation(cfg.TAK.Timezone)
	if err != nil {
		return nil, fmt.Errorf("tak.timezone: %w", err)
	}
	tc := takConfig(cfg, loc)
	s, err := tak.NewStore(tc, log)
	if err != nil {
		return nil, fmt.Errorf("tak: %w", err)
	}
	return &takStore{s: s, poll: tc.Poll}, nil
}

// takConfig is the catalogue store's configuration from the tak section.
func takConfig(cfg *config.Config, loc *time.Location) tak.Config {
	hl := cfg.TAK.HSALookup
	dr := cfg.TAK.DefaultRouting
	return tak.Config{
		Files: cfg.TAK.Files, HSAFiles: cfg.TAK.HSAFiles, URL: cfg.TAK.URL, CacheFile: cfg.TAK.CacheFile,
		Poll: cfg.TAK.Poll.D(), Location: loc,
		HSALookup: tak.HSALookup{
			Routing:       tak.HSARule{Disabled: !config.On(hl.Routing), Excepted: hl.RoutingExcepted},
			Authorization: tak.HSARule{Disabled: !config.On(hl.Authorization), Excepted: hl.AuthorizationExcepted},
		},
		DefaultRouting: tak.DefaultRouting{
			Disabled: !config.On(dr.Enabled), Delimiter: dr.Delimiter,
			AllowedContracts: dr.AllowedContracts, AllowedSenders: dr.AllowedSenders,
		},
		Client: tak.ClientConfig{UserAgent: "rivgate-takclient", Timeout: cfg.TAK.Timeout.D(), MaxResponse: int64(cfg.TAK.MaxAnswer), FastDecode: cfg.TAK.FastDecode},
	}
}

// takStore adapts *tak.Store to CatalogueStore.
type takStore struct {
	s    *tak.Store
	poll time.Duration
	// polled receives each poll's result, so /metrics and /status report
	// polls as they report Start, SIGHUP and /resetcache.
	polled func(ReloadResult)
}

// Catalogue implements CatalogueStore.
func (t *takStore) Catalogue() Catalogue {
	if c := t.s.Catalogue(); c != nil {
		return takCatalogue{c}
	}
	return nil
}

// Reload implements CatalogueStore. Only a fresh load counts as OK; a
// reload that kept the old catalogue or fell back to the local cache is
// reported as failed, with the store's own report.
func (t *takStore) Reload(ctx context.Context) ReloadResult {
	rep := t.s.Reload(ctx)
	// Reading a catalogue leaves its parse garbage mapped until Go's
	// scavenger slowly returns it: a 10,000-route YAML file kept the process
	// at ~258 MB RSS against ~50 MB live. Returning it now costs one
	// collection per reload and keeps RSS what the gateway really uses.
	debug.FreeOSMemory()
	return ReloadResult{OK: rep.State == tak.StateOK, Message: string(rep.State) + ": " + rep.Message, Report: rep}
}

// Run implements CatalogueStore: Start has loaded once already, so this
// only polls.
func (t *takStore) Run(ctx context.Context) {
	if t.poll <= 0 {
		<-ctx.Done()
		return
	}
	tick := time.NewTicker(t.poll)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
			res := t.Reload(ctx)
			if t.polled != nil {
				t.polled(res)
			}
		}
	}
}

// Status implements CatalogueStore.
func (t *takStore) Status() CatalogueStatus {
	return CatalogueStatus{Loaded: t.s.Catalogue() != nil, Detail: t.s.Status()}
}

// defaultPlatform builds the platform services (gateway/platform) over
// the TAK store; with a store of another kind there are none.
func defaultPlatform(cfg *config.Config, g *Gateway) Platform {
	ts, ok := g.store.(*takStore)
	if !ok || cfg.Platform.LogicalAddress == "" {
		return nil
	}
	svc := platform.New(platform.Config{
		LogicalAddress: cfg.Platform.LogicalAddress, InstanceName: cfg.Instance.Name, Version: g.version, Started: time.Now(),
	}, ts.s.Catalogue, ts.s.Status)
	return platformService{svc}
}

// platformService adapts *platform.Service to Platform.
type platformService struct{ s *platform.Service }

// Handles implements Platform.
func (p platformService) Handles(contract, receiver string) bool {
	return p.s.Handles(contract, receiver)
}

// Serve implements Platform.
func (p platformService) Serve(ctx context.Context, h *Head, msg []byte, sender string) (int, []byte) {
	return p.s.Serve(ctx, h.Native(), msg, sender)
}
