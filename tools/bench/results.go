package main

import (
	"fmt"
	"io"
	"os/exec"
	"runtime"
	"strings"
	"time"
)

// Results is bench/results.json.
type Results struct {
	Version  int       `json:"version"`
	Started  time.Time `json:"started"`
	Finished time.Time `json:"finished"`
	Mode     string    `json:"mode"`
	Machine  Machine   `json:"machine"`
	Method   Method    `json:"method"`
	// Targets: gateway, nginx, direct (the producer without a proxy).
	Targets map[string]*TargetResult `json:"targets,omitempty"`
	Ratios  *Ratios                  `json:"ratios,omitempty"`
	// OneMB: 1 MB answers at max rate (full mode).
	OneMB   map[string]*TargetResult `json:"one_mb,omitempty"`
	Large   *Large                   `json:"large_100mb,omitempty"`
	XSD     *XSDResult               `json:"xsd,omitempty"`
	Sniff   *SniffResult             `json:"sniff,omitempty"`
	TAKLoad *TAKLoad                 `json:"tak_load,omitempty"`
}

// Machine describes where it ran.
type Machine struct {
	CPUs      int    `json:"cpus"`
	Go        string `json:"go"`
	Nginx     string `json:"nginx"`
	Kernel    string `json:"kernel"`
	LoadStart string `json:"loadavg_start"`
	LoadEnd   string `json:"loadavg_end"`
}

// Method states how the load was made, so the ratios can be judged.
type Method struct {
	Connections    int      `json:"connections_per_target"`
	Rounds         int      `json:"max_rate_rounds"`
	WarmupS        float64  `json:"warmup_s"`
	MaxRateS       float64  `json:"max_rate_s"`
	FixedRounds    int      `json:"fixed_rate_rounds"`
	FixedRateS     float64  `json:"fixed_rate_s_per_round"`
	FixedRateShare float64  `json:"fixed_rate_share_of_gateway_max"`
	Routes         int      `json:"catalogue_routes"`
	Pinning        string   `json:"cpu_pinning"`
	GatewayEnv     string   `json:"gateway_env"`
	Notes          []string `json:"notes"`
}

// TargetResult is one target's figures.
type TargetResult struct {
	MaxRPS     float64   `json:"max_rps"`
	RoundsRPS  []float64 `json:"max_rps_rounds"`
	Errors     int64     `json:"errors"`
	FirstError string    `json:"first_error,omitempty"`
	RateRPS    float64   `json:"fixed_rate_rps,omitempty"`
	Achieved   float64   `json:"fixed_rate_achieved_rps,omitempty"`
	P50ms      float64   `json:"p50_ms,omitempty"`
	P99ms      float64   `json:"p99_ms,omitempty"`
	P999ms     float64   `json:"p99_9_ms,omitempty"`
	// RoundsP99ms is each fixed-rate round's p99; the p-fields above are
	// medians over rounds, Pooled* are over all calls of all rounds.
	RoundsP99ms  []float64 `json:"p99_ms_rounds,omitempty"`
	PooledP99ms  float64   `json:"pooled_p99_ms,omitempty"`
	PooledP999ms float64   `json:"pooled_p99_9_ms,omitempty"`
	Samples      int       `json:"latency_samples,omitempty"`
	CPUPer1k     float64   `json:"cpu_s_per_1k_requests"`
	// CPUPer1kFixed is measured during the fixed-rate run (the same rate
	// for every target).
	CPUPer1kFixed float64 `json:"cpu_s_per_1k_requests_at_fixed_rate"`
	ProdCPUPer1k  float64 `json:"producer_cpu_s_per_1k_requests,omitempty"`
	PeakRSSMB     float64 `json:"peak_rss_mb"`
	MBps          float64 `json:"mb_per_s,omitempty"`
	Processes     int     `json:"processes"`
}

// Ratios are the headline comparisons, all from this one run.
type Ratios struct {
	GatewayNginxRPS       float64 `json:"gateway_rps_over_nginx_rps"`
	GatewayDirectRPS      float64 `json:"gateway_rps_over_direct_rps"`
	AddedP99ms            float64 `json:"gateway_p99_minus_direct_p99_ms"`
	NginxAddedP99ms       float64 `json:"nginx_p99_minus_direct_p99_ms"`
	CPUPerReqVsNginx      float64 `json:"gateway_cpu_per_request_over_nginx"`
	CPUPerReqVsNginxFixed float64 `json:"gateway_cpu_per_request_over_nginx_at_fixed_rate"`
	GatewayGoProxyRPS     float64 `json:"gateway_rps_over_bare_go_proxy_rps,omitempty"`
	GoProxyNginxRPS       float64 `json:"bare_go_proxy_rps_over_nginx_rps,omitempty"`
	TargetRPS             string  `json:"target_rps"`
	TargetAddedP99        string  `json:"target_added_p99"`
	TargetRPSMet          bool    `json:"target_rps_met"`
	TargetAddedP99Met     bool    `json:"target_added_p99_met"`
}

// Large is 100 MB each way through a fresh gateway process.
type Large struct {
	RequestS       float64 `json:"request_s"`
	RequestMBps    float64 `json:"request_mb_per_s"`
	ResponseS      float64 `json:"response_s"`
	ResponseMBps   float64 `json:"response_mb_per_s"`
	GatewayPeakMB  float64 `json:"gateway_peak_rss_mb"`
	GatewayStartMB float64 `json:"gateway_rss_after_start_mb"`
	StartPeakMB    float64 `json:"gateway_peak_rss_during_start_mb"`
	TargetMB       float64 `json:"target_peak_rss_mb"`
	Met            bool    `json:"target_met"`
	Error          string  `json:"error,omitempty"`
}

// XSDResult compares contracts/xsd with xmllint on the same documents.
type XSDResult struct {
	Documents       int     `json:"documents"`
	Agree           int     `json:"verdicts_agreeing_with_xmllint"`
	RivgateUS       float64 `json:"rivgate_us_per_doc"`
	RivgateAllocs   float64 `json:"rivgate_allocs_per_doc"`
	XmllintExecUS   float64 `json:"xmllint_process_per_doc_us"`
	XmllintBatchUS  float64 `json:"xmllint_batch_marginal_us_per_doc"`
	BatchDocuments  int     `json:"xmllint_batch_documents"`
	SpeedupVsExec   float64 `json:"speedup_vs_xmllint_process"`
	SpeedupVsBatch  float64 `json:"speedup_vs_xmllint_batch"`
	Skipped         string  `json:"skipped,omitempty"`
	Unpaired        int     `json:"samples_without_schema"`
	NotInContracts  int     `json:"samples_no_rivgate_schema"`
	CompileMS       float64 `json:"rivgate_compile_ms_total"`
	XmllintVersion  string  `json:"xmllint_version,omitempty"`
	TargetMet       bool    `json:"target_met"`
	TargetStatement string  `json:"target"`
}

// SniffResult is the envelope sniffer's cost per message.
type SniffResult struct {
	Cases []SniffCase `json:"cases"`
}

// SniffCase is one message sniffed.
type SniffCase struct {
	Name        string  `json:"name"`
	Bytes       int     `json:"bytes"`
	NsPerOp     float64 `json:"ns_per_op"`
	AllocsPerOp float64 `json:"allocs_per_op"`
	BytesPerOp  float64 `json:"bytes_per_op"`
}

// TAKLoad is the time to load a generated catalogue the way the gateway
// does (tak.Store.Reload: read, parse, index).
type TAKLoad struct {
	Routes      int         `json:"routes"`
	Permissions int         `json:"permissions"`
	Formats     []TAKFormat `json:"formats"`
}

// TAKFormat is one file format's load.
type TAKFormat struct {
	Format  string  `json:"format"`
	FileMB  float64 `json:"file_mb"`
	Seconds float64 `json:"seconds"`
	Error   string  `json:"error,omitempty"`
}

func machineInfo(o options) Machine {
	m := Machine{CPUs: runtime.NumCPU(), Go: runtime.Version(), LoadStart: loadAvg()}
	if out, err := exec.Command(o.nginx, "-v").CombinedOutput(); err == nil {
		m.Nginx = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(string(out)), "nginx version:"))
	}
	if out, err := exec.Command("uname", "-r").Output(); err == nil {
		m.Kernel = strings.TrimSpace(string(out))
	}
	return m
}

func methodInfo(o options, p plan) Method {
	m := Method{Connections: o.conns, Rounds: p.rounds, WarmupS: p.warmup.Seconds(), MaxRateS: p.dur.Seconds(),
		FixedRounds: p.fixedRounds, FixedRateS: p.fixedDur.Seconds(), FixedRateShare: 0.5, Routes: o.routes, Pinning: "none (the kernel schedules load generator, proxy and producer on all CPUs)"}
	if o.pin {
		m.Pinning = "load generator on CPU 0; proxy and producer on the other CPUs (taskset); nginx workers and gateway GOMAXPROCS match those CPUs"
	}
	var env []string
	if o.gogc != "" {
		env = append(env, "GOGC="+o.gogc)
	}
	if o.memLimit != "" {
		env = append(env, "GOMEMLIMIT="+o.memLimit)
	}
	if o.logLevel != "info" {
		env = append(env, "logging.level="+o.logLevel)
	}
	if o.logFlush != "" {
		env = append(env, "logging.flush_interval="+o.logFlush)
	}
	m.GatewayEnv = strings.Join(env, " ")
	m.Notes = []string{
		"one load generator (tools/internal/benchkit, Go): the same raw HTTP/1.1 request bytes, the same client certificate and the same number of keep-alive connections for every target",
		"max rate: closed loop, one call in flight per connection; rounds rotate the target order and the median round counts",
		"latency: open-loop schedule at 50% of nginx's max rate for every target, in rotating rounds, measured from each call's scheduled time (no coordinated omission); p50/p99/p99.9 are medians of the rounds' values (pooled values are in the JSON)",
		"direct = the producer over plain HTTP (no TLS): the floor; gateway, nginx and goproxy terminate mutual TLS and proxy over HTTP keep-alive",
		"goproxy = the standard library's httputil.ReverseProxy with mutual TLS and the gateway's transport settings, nothing else (no SOAP, catalogue or log): what net/http and crypto/tls give here",
		"CPU = utime+stime from /proc/<pid>/stat of the proxy process(es) during the measured window (10 ms ticks), per 1,000 calls, at max rate and at the fixed rate (the same for all: compares work without the batching a faster server gets); peak RSS = VmHWM (nginx: sum over master and workers)",
		"gateway and nginx log one line per call to a file (gateway exchange log at info; nginx access_log combined); goproxy logs nothing",
	}
	return m
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

func mb(b int64) float64 { return float64(b) / (1 << 20) }

func printReport(w io.Writer, r *Results) {
	fmt.Fprintf(w, "\nrivgate bench (%s) %s  cpus=%d  %s  nginx %s\n", r.Mode, r.Started.Format(time.RFC3339), r.Machine.CPUs, r.Machine.Go, r.Machine.Nginx)
	fmt.Fprintf(w, "loadavg start %s, end %s; %d connections per target; pinning: %s\n", r.Machine.LoadStart, r.Machine.LoadEnd, r.Method.Connections, r.Method.Pinning)
	if r.Targets != nil {
		fmt.Fprintf(w, "\n%-8s %10s %9s %9s %9s %10s %9s %9s %9s %9s %7s\n", "target", "max req/s", "p50 ms", "p99 ms", "p99.9 ms", "at req/s", "cpu s/1k", "@rate", "prod/1k", "peak MB", "errors")
		for _, name := range []string{"gateway", "nginx", "goproxy", "direct"} {
			t := r.Targets[name]
			if t == nil {
				continue
			}
			fmt.Fprintf(w, "%-8s %10.0f %9.3f %9.3f %9.3f %10.0f %9.4f %9.4f %9.4f %9.1f %7d\n", name, t.MaxRPS, t.P50ms, t.P99ms, t.P999ms, t.Achieved, t.CPUPer1k, t.CPUPer1kFixed, t.ProdCPUPer1k, t.PeakRSSMB, t.Errors)
		}
	}
	if r.OneMB != nil {
		fmt.Fprintf(w, "\n1 MB answers at max rate:\n")
		for _, name := range []string{"gateway", "nginx", "goproxy", "direct"} {
			if t := r.OneMB[name]; t != nil {
				fmt.Fprintf(w, "  %-8s %8.0f req/s %8.0f MB/s  cpu %.4f s/1k\n", name, t.MaxRPS, t.MBps, t.CPUPer1k)
			}
		}
	}
	if x := r.Ratios; x != nil {
		fmt.Fprintf(w, "\ngateway/nginx req/s %.2f (target %s: %s); gateway/direct %.2f\n", x.GatewayNginxRPS, x.TargetRPS, metStr(x.TargetRPSMet), x.GatewayDirectRPS)
		fmt.Fprintf(w, "added p99 over direct: gateway %+.3f ms (target %s: %s), nginx %+.3f ms\n", x.AddedP99ms, x.TargetAddedP99, metStr(x.TargetAddedP99Met), x.NginxAddedP99ms)
		fmt.Fprintf(w, "CPU per request, gateway/nginx: %.2f at max rate, %.2f at the fixed rate\n", x.CPUPerReqVsNginx, x.CPUPerReqVsNginxFixed)
		if x.GatewayGoProxyRPS > 0 {
			fmt.Fprintf(w, "bare Go ReverseProxy (goproxy) / nginx req/s %.2f; gateway / goproxy %.2f\n", x.GoProxyNginxRPS, x.GatewayGoProxyRPS)
		}
	}
	if l := r.Large; l != nil {
		if l.Error != "" {
			fmt.Fprintf(w, "\n100 MB through the gateway: FAILED: %s\n", l.Error)
		} else {
			fmt.Fprintf(w, "\n100 MB through the gateway: request %.2f s (%.0f MB/s), response %.2f s (%.0f MB/s)\n  gateway peak RSS during the transfers %.1f MB (target < %.0f MB: %s); RSS after start %.1f MB, peak while loading the catalogue %.1f MB\n",
				l.RequestS, l.RequestMBps, l.ResponseS, l.ResponseMBps, l.GatewayPeakMB, l.TargetMB, metStr(l.Met), l.GatewayStartMB, l.StartPeakMB)
		}
	}
	if x := r.XSD; x != nil {
		if x.Skipped != "" {
			fmt.Fprintf(w, "\nXSD: skipped: %s\n", x.Skipped)
		} else {
			fmt.Fprintf(w, "\nXSD, %d documents (%d verdicts agree with xmllint): rivgate %.1f µs/doc (%.0f allocs); xmllint %.0f µs/doc per process, %.1f µs/doc marginal in one process; speed-up %.1fx / %.2fx (%s)\n",
				x.Documents, x.Agree, x.RivgateUS, x.RivgateAllocs, x.XmllintExecUS, x.XmllintBatchUS, x.SpeedupVsExec, x.SpeedupVsBatch, metStr(x.TargetMet))
		}
	}
	if s := r.Sniff; s != nil {
		fmt.Fprintf(w, "\nsniff:\n")
		for _, c := range s.Cases {
			fmt.Fprintf(w, "  %-40s %7d B %9.0f ns/op %6.1f allocs/op %8.0f B/op\n", c.Name, c.Bytes, c.NsPerOp, c.AllocsPerOp, c.BytesPerOp)
		}
	}
	if t := r.TAKLoad; t != nil {
		fmt.Fprintf(w, "\nTAK load, %d routes + %d permissions (tak.Store.Reload: read, parse, index):\n", t.Routes, t.Permissions)
		for _, f := range t.Formats {
			if f.Error != "" {
				fmt.Fprintf(w, "  %-10s FAILED: %s\n", f.Format, f.Error)
				continue
			}
			fmt.Fprintf(w, "  %-10s %7.1f MB file %7.2f s\n", f.Format, f.FileMB, f.Seconds)
		}
	}
	if r.Ratios != nil {
		fmt.Fprintf(w, "\ngateway/nginx throughput ratio: %.2f\n", r.Ratios.GatewayNginxRPS)
	} else {
		fmt.Fprintf(w, "\ngateway/nginx throughput ratio: n/a (load part not run)\n")
	}
}

func metStr(ok bool) string {
	if ok {
		return "met"
	}
	return "not met"
}
