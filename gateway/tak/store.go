package tak

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/rs/zerolog"

	"github.com/rivgate/rivgate/gateway/tak/hsa"
	"github.com/rivgate/rivgate/gateway/tak/takdata"
	"github.com/rivgate/rivgate/gateway/tak/takformat"
	"github.com/rivgate/rivgate/internal/atomicfile"
)

// State is the outcome of the latest reload, VP's TakCacheLog.RefreshStatus.
type State string

// The reload outcomes, in VP's fallback order.
const (
	// StateOK: the sources were read and the new catalogue is in use.
	StateOK State = "OK"
	// StateReusing: the sources failed; the catalogue loaded before is kept
	// (VP: REUSING_EXISTING_CACHE).
	StateReusing State = "REUSING"
	// StateRestored: the sources failed and nothing was loaded; the local
	// cache file was read instead (VP: RESTORED_FROM_LOCAL_CACHE).
	StateRestored State = "RESTORED"
	// StateFailed: nothing could be loaded; Catalogue() is nil and every
	// call gets VP008 (VP: REFRESH_FAILED).
	StateFailed State = "FAILED"
)

// Status is the store's state for /status.
type Status struct {
	State State `json:"state"`
	// Time is when the latest reload finished.
	Time time.Time `json:"time"`
	// Source names the data of the catalogue in use.
	Source string `json:"source"`
	// Routes, Permissions and HSAUnits count the catalogue in use.
	Routes      int `json:"routes"`
	Permissions int `json:"permissions"`
	HSAUnits    int `json:"hsaUnits"`
	// Loaded is when the catalogue in use was built (zero: none).
	Loaded time.Time `json:"loaded,omitzero"`
	// Message says what happened, and why a reload failed.
	Message string `json:"message"`
}

// Report is the result of one reload: the status plus VP-style log lines.
type Report struct {
	Status
	Log []string `json:"log"`
	// Err is why the sources failed (nil when State is OK).
	Err error `json:"-"`
	// Warnings are the readers' non-fatal notes.
	Warnings []string `json:"warnings,omitempty"`
}

// fetchFunc gets the live data from TAK.
type fetchFunc func(ctx context.Context) (*takdata.Data, error)

// Store holds the catalogue in use and reloads it. Readers call Catalogue()
// on every request; a reload builds a complete new catalogue and swaps it in
// with one atomic store, so readers never see half of one.
type Store struct {
	cfg    Config
	loc    *time.Location
	log    zerolog.Logger
	fetch  fetchFunc // nil without URL
	cur    atomic.Pointer[Catalogue]
	status atomic.Pointer[Status]
	mu     sync.Mutex // one reload at a time
}

// NewStore checks cfg and returns a store with nothing loaded yet.
func NewStore(cfg Config, logger zerolog.Logger) (*Store, error) {
	if len(cfg.Files) == 0 && cfg.URL == "" && cfg.CacheFile == "" {
		return nil, errors.New("TAK: no source: set files, url or cache file")
	}
	if cfg.Poll < 0 {
		return nil, fmt.Errorf("TAK: poll interval %s is negative", cfg.Poll)
	}
	s := &Store{cfg: cfg, loc: cfg.location(), log: logger}
	if cfg.URL != "" {
		f, err := newFetcher(cfg, s.loc)
		if err != nil {
			return nil, err
		}
		s.fetch = f
	}
	s.status.Store(&Status{State: StateFailed, Message: "not loaded yet"})
	return s, nil
}

// Catalogue returns the catalogue in use, or nil when nothing could be loaded
// (the caller answers VP008).
func (s *Store) Catalogue() *Catalogue { return s.cur.Load() }

// Status returns the latest reload's status.
func (s *Store) Status() Status { return *s.status.Load() }

// Start loads the catalogue, then reloads every Poll until ctx ends. It
// returns when ctx is done.
func (s *Store) Start(ctx context.Context) error {
	s.Reload(ctx)
	if s.cfg.Poll <= 0 {
		<-ctx.Done()
		return nil
	}
	tick := time.NewTicker(s.cfg.Poll)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-tick.C:
			s.Reload(ctx)
		}
	}
}

// Reload reads every source and swaps in the new catalogue. On failure it
// follows VP: keep the loaded catalogue (REUSING); else restore the local
// cache file (RESTORED); else FAILED. An empty answer from TAK counts as a
// failure, as does one left empty by the contract filter.
func (s *Store) Reload(ctx context.Context) Report {
	s.mu.Lock()
	defer s.mu.Unlock()
	var rep Report
	logf := func(format string, args ...any) { rep.Log = append(rep.Log, fmt.Sprintf(format, args...)) }
	logf("Time: %s", time.Now().In(s.loc).Format("2006-01-02 15:04:05"))
	logf("Initialize TAK cache resources...")

	tree, files, live, err := s.collect(ctx, logf, &rep)
	if err == nil {
		d := files
		if live != nil {
			d.Append(live)
		}
		d.Source = s.sourceName(live != nil, false)
		cat := s.build(d, tree)
		s.cur.Store(cat)
		logf("Loaded %d routes and %d permissions from %s", len(d.Routes), len(d.Permissions), d.Source)
		if live != nil && s.cfg.CacheFile != "" {
			logf("Succeeded to get virtualizations and permissions from TAK, save to local TAK copy...")
			// Atomic, so a reader (or a VP sharing the file) sees the old
			// copy or the new one, never a part.
			if err := atomicfile.Write(s.cfg.CacheFile, 0o644, func(w io.Writer) error {
				return takformat.WriteCache(w, live, takformat.Options{Location: s.loc})
			}); err != nil {
				err = fmt.Errorf("write %s: %w", s.cfg.CacheFile, err)
				logf("Failed to save to local TAK copy %s: %v", s.cfg.CacheFile, err)
				s.log.Warn().Err(err).Str("file", s.cfg.CacheFile).Msg("TAK local cache not written")
			} else {
				logf("Succesfully saved virtualizations and permissions to local TAK copy: %s", s.cfg.CacheFile)
			}
		}
		return s.finish(&rep, StateOK, cat, "loaded from "+d.Source)
	}

	rep.Err = err
	logf("Failed: %v", err)
	if cur := s.cur.Load(); cur != nil {
		logf("Will continue to use already loaded TAK data.")
		return s.finish(&rep, StateReusing, cur, "reload failed, keeping the catalogue loaded "+cur.loaded.In(s.loc).Format(time.RFC3339)+": "+err.Error())
	}
	if s.cfg.CacheFile != "" && tree != nil {
		logf("Restore from local TAK copy %s...", s.cfg.CacheFile)
		// As VP, the local copy is used as saved (it was saved filtered).
		cached, rerr := takformat.ReadFile(s.cfg.CacheFile, takformat.Options{Location: s.loc})
		if rerr == nil {
			d := &takdata.Data{}
			if files != nil {
				d.Append(files)
			}
			d.Append(cached)
			d.Source = s.sourceName(false, true)
			cat := s.build(d, tree)
			s.cur.Store(cat)
			logf("Succesfully restored virtualizations and permissions from local TAK copy: %s", s.cfg.CacheFile)
			return s.finish(&rep, StateRestored, cat, "sources failed ("+err.Error()+"); restored from local cache "+s.cfg.CacheFile)
		}
		logf("Failed to restore from local TAK copy: %v", rerr)
		err = fmt.Errorf("%w; local cache: %w", err, rerr)
		rep.Err = err
	}
	return s.finish(&rep, StateFailed, nil, "nothing loaded, every call gets VP008: "+err.Error())
}

// collect reads the HSA tree, the files and the live service. files is
// non-nil when the files were read, also when a later step failed.
func (s *Store) collect(ctx context.Context, logf func(string, ...any), rep *Report) (tree *hsa.Tree, files, live *takdata.Data, err error) {
	tree, err = s.loadTree()
	if err != nil {
		return nil, nil, nil, err
	}
	files = &takdata.Data{}
	for _, f := range s.cfg.Files {
		d, err := takformat.ReadFile(f, takformat.Options{Location: s.loc})
		if err != nil {
			return tree, nil, nil, err
		}
		rep.Warnings = append(rep.Warnings, d.Warnings...)
		files.Append(d)
	}
	files = filterContracts(files, s.cfg.Contracts)
	if len(s.cfg.Files) > 0 && files.Empty() {
		return tree, nil, nil, errors.New("TAK files: no entries (after the contract filter)")
	}
	if s.fetch == nil {
		return tree, files, nil, nil
	}
	live, err = s.fetch(ctx)
	if err != nil {
		return tree, files, nil, fmt.Errorf("TAK %s: %w", s.cfg.URL, err)
	}
	logf("Got %d virtualizations and %d permissions from TAK", len(live.Routes), len(live.Permissions))
	// VP: an empty list from TAK is a failure, before and after filtering.
	if len(live.Routes) == 0 || len(live.Permissions) == 0 {
		return tree, files, nil, fmt.Errorf("TAK %s: empty answer (%d virtualizations, %d permissions)", s.cfg.URL, len(live.Routes), len(live.Permissions))
	}
	live = filterContracts(live, s.cfg.Contracts)
	if len(live.Routes) == 0 || len(live.Permissions) == 0 {
		return tree, files, nil, fmt.Errorf("TAK %s: nothing left after filtering on %s", s.cfg.URL, strings.Join(s.cfg.Contracts, ", "))
	}
	return tree, files, live, nil
}

func (s *Store) loadTree() (*hsa.Tree, error) {
	if len(s.cfg.HSAFiles) == 0 {
		return &hsa.Tree{}, nil
	}
	return hsa.Load(s.cfg.HSAFiles...)
}

func (s *Store) build(d *takdata.Data, tree *hsa.Tree) *Catalogue {
	return Build(d, tree, BuildOptions{HSALookup: s.cfg.HSALookup, DefaultRouting: s.cfg.DefaultRouting})
}

func (s *Store) sourceName(live, restored bool) string {
	parts := slices.Clone(s.cfg.Files)
	if live {
		parts = append(parts, s.cfg.URL)
	}
	if restored {
		parts = append(parts, s.cfg.CacheFile+" (local cache)")
	}
	return strings.Join(parts, " + ")
}

func (s *Store) finish(rep *Report, state State, cat *Catalogue, msg string) Report {
	st := Status{State: state, Time: time.Now(), Message: msg}
	if cat != nil {
		st.Routes, st.Permissions = cat.Counts()
		st.HSAUnits = cat.tree.Len()
		st.Source = cat.source
		st.Loaded = cat.loaded
	}
	rep.Status = st
	rep.Log = append(rep.Log, fmt.Sprintf("Init TAK cache loaded number of permissions: %d", st.Permissions),
		fmt.Sprintf("Init TAK cache loaded number of virtualizations: %d", st.Routes),
		fmt.Sprintf("Init done, status: %s", state))
	s.status.Store(&st)
	ev := s.log.Info()
	switch state {
	case StateReusing, StateRestored:
		ev = s.log.Warn()
	case StateFailed:
		ev = s.log.Error()
	}
	ev.Str("state", string(state)).Int("routes", st.Routes).Int("permissions", st.Permissions).
		Int("hsaUnits", st.HSAUnits).Str("source", st.Source).AnErr("cause", rep.Err).Msg("TAK reload: " + msg)
	return *rep
}

// filterContracts keeps the entries for the listed contracts (exact, as VP's
// filter); no list keeps everything.
func filterContracts(d *takdata.Data, contracts []string) *takdata.Data {
	if len(contracts) == 0 || d == nil {
		return d
	}
	out := &takdata.Data{Source: d.Source, Warnings: d.Warnings}
	for _, r := range d.Routes {
		if slices.Contains(contracts, r.Contract) {
			out.Routes = append(out.Routes, r)
		}
	}
	for _, p := range d.Permissions {
		if slices.Contains(contracts, p.Contract) {
			out.Permissions = append(out.Permissions, p)
		}
	}
	return out
}
