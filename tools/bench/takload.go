package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"time"

	"github.com/rs/zerolog"

	"github.com/rivgate/rivgate/gateway/tak"
	"github.com/rivgate/rivgate/gateway/tak/takdata"
	"github.com/rivgate/rivgate/gateway/tak/takformat"
	"github.com/rivgate/rivgate/tools/internal/benchkit"
)

// runTAKLoad writes a generated catalogue of n routes and n permissions in
// each TAK format and times the load the gateway does at start and on
// every reload: tak.Store.Reload (read, parse, build the index).
func runTAKLoad(ctx context.Context, dir string, n int, withYAML bool) *TAKLoad {
	loc, err := takdata.LoadZone("")
	if err != nil {
		return &TAKLoad{Formats: []TAKFormat{{Format: "all", Error: err.Error()}}}
	}
	d := benchkit.Catalogue(n, "http://127.0.0.1:9/bench", loc)
	res := &TAKLoad{Routes: len(d.Routes), Permissions: len(d.Permissions)}
	for _, f := range []struct {
		format takformat.Format
		ext    string
	}{{takformat.Cache, "xml"}, {takformat.JSON, "json"}, {takformat.YAML, "yaml"}} {
		if f.format == takformat.YAML && !withYAML {
			continue
		}
		tf := TAKFormat{Format: string(f.format)}
		var b bytes.Buffer
		if err := takformat.Write(&b, f.format, d, takformat.Options{Location: loc}); err != nil {
			tf.Error = err.Error()
			res.Formats = append(res.Formats, tf)
			continue
		}
		path := filepath.Join(dir, "tak100k."+f.ext)
		if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
			tf.Error = err.Error()
			res.Formats = append(res.Formats, tf)
			continue
		}
		tf.FileMB = mb(int64(b.Len()))
		b = bytes.Buffer{}
		store, err := tak.NewStore(tak.Config{Files: []string{path}, Location: loc}, zerolog.Nop())
		if err != nil {
			tf.Error = err.Error()
			res.Formats = append(res.Formats, tf)
			continue
		}
		runtime.GC()
		start := time.Now()
		rep := store.Reload(ctx)
		tf.Seconds = time.Since(start).Seconds()
		if rep.State != tak.StateOK || rep.Routes != len(d.Routes) {
			tf.Error = fmt.Sprintf("%s: %d routes: %s", rep.State, rep.Routes, rep.Message)
		}
		fmt.Fprintf(os.Stderr, "bench: TAK %s %d routes: %.2f s\n", f.format, rep.Routes, tf.Seconds)
		res.Formats = append(res.Formats, tf)
		_ = os.Remove(path)
	}
	return res
}
