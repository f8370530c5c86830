package gateway

import (
	"context"
	"fmt"
	"net/url"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"time"

	"github.com/rs/zerolog"

	"github.com/rivgate/rivgate/gateway/config"
	"github.com/rivgate/rivgate/gateway/platform"
	"github.com/rivgate/rivgate/gateway/tak"
	"github.com/rivgate/rivgate/gateway/tak/takdata"
)

// ReloadResult is the outcome of a catalogue reload, as /resetcache, /status
// and `gateway --check` show it.
type ReloadResult struct {
	OK      bool   `json:"ok"`
	Message string `json:"message"`
	// Report is the store's own report.
	Report tak.Report `json:"report"`
}

// CatalogueStatus is shown on /status.
type CatalogueStatus struct {
	Loaded bool       `json:"loaded"`
	Detail tak.Status `json:"detail"`
}

// newStore builds the catalogue store from cfg.TAK.
func newStore(cfg *config.Config, log zerolog.Logger) (*tak.Store, error) {
	loc, err := time.LoadLocation(cfg.TAK.Timezone)
	if err != nil {
		return nil, fmt.Errorf("tak.timezone: %w", err)
	}
	tc := takConfig(cfg, loc)
	if cfg.TAK.Password.IsSet() {
		if tc.Client.Password, err = cfg.TAK.Password.Read(); err != nil {
			return nil, fmt.Errorf("tak.password: %w", err)
		}
	}
	s, err := tak.NewStore(tc, log)
	if err != nil {
		return nil, fmt.Errorf("tak: %w", err)
	}
	return s, nil
}

// takConfig is the catalogue store's configuration from the tak section.
func takConfig(cfg *config.Config, loc *time.Location) tak.Config {
	lookup := LookupOptions(cfg)
	return tak.Config{
		Files: cfg.TAK.Files, HSAFiles: cfg.TAK.HSAFiles, URL: cfg.TAK.URL, CacheFile: cfg.TAK.CacheFile,
		Poll: cfg.TAK.Poll.D(), Location: loc,
		HSALookup: lookup.HSALookup, DefaultRouting: lookup.DefaultRouting,
		Client: tak.ClientConfig{UserAgent: "rivgate-takclient", Timeout: cfg.TAK.Timeout.D(), MaxResponse: int64(cfg.TAK.MaxAnswer), FastDecode: cfg.TAK.FastDecode,
			Username: cfg.TAK.Username},
	}
}

// LookupOptions are the lookup settings of gateway.yaml's tak section (HSA
// tree walk, default routing) as the gateway builds its catalogue with
// them; tools that re-run the gateway's lookups (`tak explain --config`)
// build theirs with the same.
func LookupOptions(cfg *config.Config) tak.BuildOptions {
	hl, dr := cfg.TAK.HSALookup, cfg.TAK.DefaultRouting
	return tak.BuildOptions{
		HSALookup: tak.HSALookup{
			Routing:       tak.HSARule{Disabled: !config.On(hl.Routing), Excepted: hl.RoutingExcepted},
			Authorization: tak.HSARule{Disabled: !config.On(hl.Authorization), Excepted: hl.AuthorizationExcepted},
		},
		DefaultRouting: tak.DefaultRouting{Disabled: !config.On(dr.Enabled), Delimiter: dr.Delimiter,
			AllowedContracts: dr.AllowedContracts, AllowedSenders: dr.AllowedSenders},
	}
}

// reloadCatalogue reads the TAK sources now. Only a fresh load counts as
// OK; a reload that kept the old catalogue or fell back to the local cache
// is reported as failed, with the store's own report.
//
// A fresh catalogue that replaced another is compared with it in the
// background, for /status (changes.go).
func (g *Gateway) reloadCatalogue(ctx context.Context) ReloadResult {
	old := g.store.Catalogue()
	rep := g.store.Reload(ctx)
	if cur := g.store.Catalogue(); rep.State == tak.StateOK && old != nil && cur != old {
		g.changes.compare(old, cur)
	}
	// Reading a catalogue leaves its parse garbage mapped until Go's
	// scavenger slowly returns it: a 10,000-route YAML file kept the process
	// at ~258 MB RSS against ~50 MB live. Returning it now costs one
	// collection per reload and keeps RSS what the gateway really uses.
	debug.FreeOSMemory()
	return ReloadResult{OK: rep.State == tak.StateOK, Message: string(rep.State) + ": " + rep.Message, Report: rep}
}

// pollCatalogue reloads every tak.poll until ctx ends (Start has loaded
// once already). Each poll is recorded, so /metrics and /status report
// polls as they report Start, SIGHUP and /resetcache.
func (g *Gateway) pollCatalogue(ctx context.Context) {
	poll := g.cfg.TAK.Poll.D()
	if poll <= 0 {
		<-ctx.Done()
		return
	}
	tick := time.NewTicker(poll)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
			g.recordReload(g.reloadCatalogue(ctx), "")
		}
	}
}

// catalogueStatus is the store's state for /status.
func (g *Gateway) catalogueStatus() CatalogueStatus {
	return CatalogueStatus{Loaded: g.store.Catalogue() != nil, Detail: g.store.Status()}
}

// newPlatform builds the platform services over the store; nil when they
// are off or have no logical address.
func newPlatform(cfg *config.Config, store *tak.Store, version string) *platform.Service {
	if !config.On(cfg.Platform.Enabled) || cfg.Platform.LogicalAddress == "" {
		return nil
	}
	return platform.New(platform.Config{
		LogicalAddress: cfg.Platform.LogicalAddress, InstanceName: cfg.Instance.Name, Version: version, Started: time.Now(),
	}, store.Catalogue, store.Status)
}

// targetCache holds producer addresses parsed once, not on every call:
// the catalogue names few producers and each call names one. The URLs
// are shared and never modified (the producer client reads them). It is
// emptied when it grows past maxTargets, so addresses of catalogues long
// replaced do not pile up.
type targetCache struct {
	m sync.Map // address -> *url.URL
	n atomic.Int64
}

// maxTargets bounds the cache, well above a national catalogue's producer
// addresses.
const maxTargets = 1 << 16

// parse is takdata.ParseAddress, remembered; a refused address is not.
func (t *targetCache) parse(address string) (*url.URL, error) {
	if u, ok := t.m.Load(address); ok {
		return u.(*url.URL), nil
	}
	u, err := takdata.ParseAddress(address)
	if err != nil {
		return nil, err
	}
	if t.n.Add(1) > maxTargets {
		t.m.Clear()
		t.n.Store(1)
	}
	t.m.Store(address, u)
	return u, nil
}
