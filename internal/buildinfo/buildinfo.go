// Package buildinfo reports the version, commit and build date of the binary.
// scripts/build.sh sets them with -ldflags; under `go run` they fall back to
// what the Go toolchain recorded (module version, VCS revision) or "dev".
package buildinfo

import (
	"runtime/debug"
	"sync"
)

// Set at link time: go build -ldflags "-X github.com/rivgate/rivgate/internal/buildinfo.version=v1.2.3 ..."
var (
	version = ""
	commit  = ""
	date    = ""
)

// Info is the identity of this build.
type Info struct {
	Version string `json:"version"`
	Commit  string `json:"commit"`
	Date    string `json:"date"`
	Go      string `json:"go"`
}

var (
	once sync.Once
	info Info
)

// Get returns the build identity, computed once.
func Get() Info {
	once.Do(func() {
		info = Info{Version: version, Commit: commit, Date: date}
		if bi, ok := debug.ReadBuildInfo(); ok {
			info.Go = bi.GoVersion
			if info.Version == "" && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
				info.Version = bi.Main.Version
			}
			for _, s := range bi.Settings {
				switch s.Key {
				case "vcs.revision":
					if info.Commit == "" {
						info.Commit = s.Value
					}
				case "vcs.time":
					if info.Date == "" {
						info.Date = s.Value
					}
				}
			}
		}
		if info.Version == "" {
			info.Version = "dev"
		}
		if info.Commit == "" {
			info.Commit = "unknown"
		}
		if info.Date == "" {
			info.Date = "unknown"
		}
	})
	return info
}

// String is "rivgate <version> (commit <c>, built <d>, <go>)".
func (i Info) String() string {
	return "rivgate " + i.Version + " (commit " + i.Commit + ", built " + i.Date + ", " + i.Go + ")"
}
