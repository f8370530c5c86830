package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/rivgate/rivgate/gateway/tak/takdata"
	"github.com/rivgate/rivgate/gateway/tak/takformat"
	"github.com/rivgate/rivgate/internal/pki"
	"github.com/rivgate/rivgate/tools/internal/benchkit"
)

// env is the bench's world: a PKI, the producer, the gateway and nginx as
// child processes, and the targets to drive.
type env struct {
	o   options
	dir string

	ca          *pki.CA
	clientTLS   *tls.Config // the one client certificate every TLS target sees
	certs       struct{ ca, cert, key string }
	loadCPUs    string // taskset list for this process ("" = no pinning)
	serverCPUs  string
	serverCount int // CPUs the servers may use

	producer     *proc
	producerAddr string
	gateway      *proc
	gwAddr       string
	gwAdmin      string
	gwConfig     string
	nginx        *proc
	nginxAddr    string
	goproxy      *proc
	goproxyAddr  string
	nginxWorkers []int
}

// proc is one child process.
type proc struct {
	name string
	cmd  *exec.Cmd
	done chan struct{}
	err  error
}

func (p *proc) pid() int { return p.cmd.Process.Pid }

// stop ends the process with SIGTERM, then SIGKILL after 15 s.
func (p *proc) stop() {
	if p == nil || p.cmd.Process == nil {
		return
	}
	select {
	case <-p.done:
		return
	default:
	}
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(15 * time.Second):
		_ = p.cmd.Process.Kill()
		<-p.done
	}
}

func (p *proc) alive() bool {
	select {
	case <-p.done:
		return false
	default:
		return true
	}
}

func newEnv(ctx context.Context, o options, dir string) (*env, error) {
	e := &env{o: o, dir: dir, serverCount: cpus()}
	if o.pin {
		if cpus() < 2 {
			return nil, errors.New("--pin needs at least 2 CPUs")
		}
		// The generator gets CPU 0, the servers the rest; this process
		// pins itself so its goroutines stay off the servers' CPUs.
		e.loadCPUs = "0"
		e.serverCPUs = fmt.Sprintf("1-%d", cpus()-1)
		e.serverCount = cpus() - 1
		if out, err := exec.CommandContext(ctx, "taskset", "-a", "-p", "-c", e.loadCPUs, strconv.Itoa(os.Getpid())).CombinedOutput(); err != nil {
			return nil, fmt.Errorf("taskset for the load generator: %v: %s", err, out)
		}
		runtime.GOMAXPROCS(1)
	}
	ca, err := pki.NewCA("rivgate bench CA")
	if err != nil {
		return nil, fmt.Errorf("bench CA: %w", err)
	}
	e.ca = ca
	srv, err := ca.IssueServer(pki.Options{})
	if err != nil {
		return nil, fmt.Errorf("server certificate: %w", err)
	}
	if e.certs.cert, e.certs.key, err = srv.WriteFiles(dir, "server"); err != nil {
		return nil, fmt.Errorf("write server certificate: %w", err)
	}
	e.certs.ca = filepath.Join(dir, "ca.pem")
	if err := os.WriteFile(e.certs.ca, ca.CertPEM, 0o644); err != nil {
		return nil, fmt.Errorf("write CA: %w", err)
	}
	// nginx may run as nobody and must read the (throw-away) key.
	if err := os.Chmod(e.certs.key, 0o644); err != nil {
		return nil, fmt.Errorf("server key: %w", err)
	}
	client, err := ca.IssueClient(benchkit.BenchSender, pki.Options{})
	if err != nil {
		return nil, fmt.Errorf("client certificate: %w", err)
	}
	e.clientTLS = &tls.Config{
		RootCAs: ca.Pool(), Certificates: []tls.Certificate{client.TLSCertificate()}, ServerName: "127.0.0.1",
		// The same session cache for every target: resumption applies
		// equally (keep-alive makes it rare anyway).
		ClientSessionCache: tls.NewLRUClientSessionCache(256),
	}
	return e, nil
}

// startAll starts the producer, the gateway and nginx.
func (e *env) startAll(ctx context.Context, o options) error {
	if err := e.startProducer(ctx); err != nil {
		return err
	}
	if err := e.writeGatewayConfig(o.routes); err != nil {
		return err
	}
	if err := e.startGateway(ctx, "gateway"); err != nil {
		return err
	}
	if o.goproxy != "" {
		if err := e.startGoProxy(ctx); err != nil {
			return err
		}
	}
	return e.startNginx(ctx)
}

func (e *env) close() {
	e.stopServers()
	e.producer.stop()
}

func (e *env) stopServers() {
	e.gateway.stop()
	e.nginx.stop()
	e.goproxy.stop()
	e.gateway, e.nginx, e.goproxy = nil, nil, nil
}

// command builds a child process, pinned to the server CPUs when asked.
func (e *env) command(ctx context.Context, argv ...string) *exec.Cmd {
	if e.serverCPUs != "" {
		argv = append([]string{"taskset", "-c", e.serverCPUs}, argv...)
	}
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	cmd.Cancel = func() error { return cmd.Process.Signal(syscall.SIGTERM) }
	cmd.WaitDelay = 15 * time.Second
	cmd.Dir = e.dir
	return cmd
}

func startProc(name string, cmd *exec.Cmd) (*proc, error) {
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", name, err)
	}
	p := &proc{name: name, cmd: cmd, done: make(chan struct{})}
	go func() {
		p.err = cmd.Wait()
		close(p.done)
	}()
	return p, nil
}

func (e *env) startProducer(ctx context.Context) error {
	p, addr, err := e.startListening(ctx, "producer", e.o.producer, "--listen", "127.0.0.1:0", "--max-duration", "20m")
	if err != nil {
		return err
	}
	e.producer, e.producerAddr = p, addr
	return nil
}

// startGoProxy starts the bare Go ReverseProxy reference (benchproxy).
func (e *env) startGoProxy(ctx context.Context) error {
	p, addr, err := e.startListening(ctx, "goproxy", e.o.goproxy, "--listen", "127.0.0.1:0", "--upstream", e.producerAddr,
		"--cert", e.certs.cert, "--key", e.certs.key, "--ca", e.certs.ca, "--max-duration", "20m")
	if err != nil {
		return err
	}
	e.goproxy, e.goproxyAddr = p, addr
	return nil
}

// startListening starts a child that prints "listening <addr>" first.
func (e *env) startListening(ctx context.Context, name string, argv ...string) (*proc, string, error) {
	cmd := e.command(ctx, argv...)
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, "", fmt.Errorf("%s stdout: %w", name, err)
	}
	logf, err := os.Create(filepath.Join(e.dir, name+".log"))
	if err != nil {
		return nil, "", fmt.Errorf("%s log: %w", name, err)
	}
	cmd.Stderr = logf
	p, err := startProc(name, cmd)
	if err != nil {
		return nil, "", err
	}
	line := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(out)
		if sc.Scan() {
			line <- sc.Text()
		}
		close(line)
		_, _ = io.Copy(io.Discard, out)
	}()
	select {
	case l := <-line:
		addr, ok := strings.CutPrefix(l, "listening ")
		if !ok {
			p.stop()
			return nil, "", fmt.Errorf("%s said %q, want \"listening <addr>\"", name, l)
		}
		return p, addr, nil
	case <-time.After(20 * time.Second):
		p.stop()
		return nil, "", fmt.Errorf("%s did not start within 20 s", name)
	case <-ctx.Done():
		p.stop()
		return nil, "", ctx.Err()
	}
}

// freePort picks an unused loopback port for a server that cannot report
// the one it bound (nginx) or whose config must name it.
func freePort() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", fmt.Errorf("pick a port: %w", err)
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}

// writeGatewayConfig writes the generated catalogue (TAK YAML, n routes)
// and gateway.yaml.
func (e *env) writeGatewayConfig(n int) error {
	loc, err := takdata.LoadZone("")
	if err != nil {
		return fmt.Errorf("time zone: %w", err)
	}
	d := benchkit.Catalogue(n, "http://"+e.producerAddr+"/bench", loc)
	format, err := takformat.ParseFormat(e.o.takFmt)
	if err != nil || format == takformat.Zip {
		return fmt.Errorf("--tak-format %q: cache, json or yaml", e.o.takFmt)
	}
	var b bytes.Buffer
	if err := takformat.Write(&b, format, d, takformat.Options{Location: loc}); err != nil {
		return fmt.Errorf("write TAK: %w", err)
	}
	takFile := "tak." + map[takformat.Format]string{takformat.Cache: "xml", takformat.JSON: "json", takformat.YAML: "yaml"}[format]
	if err := os.WriteFile(filepath.Join(e.dir, takFile), b.Bytes(), 0o644); err != nil {
		return fmt.Errorf("write TAK: %w", err)
	}
	if e.gwAddr, err = freePort(); err != nil {
		return err
	}
	if e.gwAdmin, err = freePort(); err != nil {
		return err
	}
	cfg := fmt.Sprintf(`# rivgate bench gateway (written by tools/bench)
instance: {name: "rivgate bench", id: "rivgate-bench"}
listen: {https: %q, http: "", admin: %q, path_prefix: "/vp"}
tls: {cert: server.pem, key: server.key, client_ca: ca.pem, client_auth: require}
tak: {files: [%s], poll: 0s}
producers: {timeout: 29s}
limits: {max_body: 200MiB}
logging: {level: %s}
`, e.gwAddr, e.gwAdmin, takFile, e.o.logLevel)
	if e.o.logFlush != "" {
		cfg = strings.Replace(cfg, "logging: {", "logging: {flush_interval: "+e.o.logFlush+", ", 1)
	}
	e.gwConfig = filepath.Join(e.dir, "gateway.yaml")
	if err := os.WriteFile(e.gwConfig, []byte(cfg), 0o644); err != nil {
		return fmt.Errorf("write gateway config: %w", err)
	}
	return nil
}

// startGateway starts a gateway process (logs to <name>.log) and waits
// for /readyz.
func (e *env) startGateway(ctx context.Context, name string) error {
	argv := []string{e.o.rivgate, "gateway", "-c", e.gwConfig}
	if e.o.profile != "" {
		argv = append(argv, "--pprof-dir", e.o.profile)
	}
	cmd := e.command(ctx, argv...)
	cmd.Env = os.Environ()
	if e.o.gogc != "" {
		cmd.Env = append(cmd.Env, "GOGC="+e.o.gogc)
	}
	if e.o.memLimit != "" {
		cmd.Env = append(cmd.Env, "GOMEMLIMIT="+e.o.memLimit)
	}
	logf, err := os.Create(filepath.Join(e.dir, name+".log"))
	if err != nil {
		return fmt.Errorf("gateway log: %w", err)
	}
	cmd.Stdout, cmd.Stderr = logf, logf
	p, err := startProc(name, cmd)
	if err != nil {
		return err
	}
	e.gateway = p
	deadline := time.Now().Add(120 * time.Second)
	c := &http.Client{Timeout: 2 * time.Second}
	for time.Now().Before(deadline) {
		if !p.alive() {
			return fmt.Errorf("gateway exited: %v (log %s)", p.err, logf.Name())
		}
		resp, err := c.Get("http://" + e.gwAdmin + "/readyz")
		if err == nil {
			_ = resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
	return fmt.Errorf("gateway not ready within 120 s (log %s)", logf.Name())
}

func (e *env) startNginx(ctx context.Context) error {
	if _, err := os.Stat(e.o.nginx); err != nil {
		return fmt.Errorf("nginx %s: %w (scripts/bench.sh installs nginx-light)", e.o.nginx, err)
	}
	ndir := filepath.Join(e.dir, "nginx")
	if err := os.MkdirAll(ndir, 0o755); err != nil {
		return fmt.Errorf("nginx dir: %w", err)
	}
	var err error
	if e.nginxAddr, err = freePort(); err != nil {
		return err
	}
	conf, err := benchkit.NginxConfig{Dir: ndir, Listen: e.nginxAddr, Upstream: e.producerAddr, Workers: e.serverCount,
		Cert: e.certs.cert, Key: e.certs.key, ClientCA: e.certs.ca}.Write()
	if err != nil {
		return err
	}
	cred, err := unprivileged(ndir)
	if err != nil {
		return err
	}
	cmd := e.command(ctx, e.o.nginx, "-p", ndir, "-c", conf, "-e", filepath.Join(ndir, "error.log"), "-g", "daemon off;")
	if cred != nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: cred}
	}
	logf, err := os.Create(filepath.Join(ndir, "stderr.log"))
	if err != nil {
		return fmt.Errorf("nginx log: %w", err)
	}
	cmd.Stdout, cmd.Stderr = logf, logf
	// nginx stops gracefully on SIGQUIT, at once on SIGTERM: both are fine.
	p, err := startProc("nginx", cmd)
	if err != nil {
		return err
	}
	e.nginx = p
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		if !p.alive() {
			b, _ := os.ReadFile(filepath.Join(ndir, "error.log"))
			return fmt.Errorf("nginx exited: %v: %s", p.err, b)
		}
		if c, err := net.DialTimeout("tcp", e.nginxAddr, time.Second); err == nil {
			_ = c.Close()
			e.nginxWorkers = benchkit.Children(p.pid())
			if len(e.nginxWorkers) >= e.serverCount {
				return nil
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	return fmt.Errorf("nginx not listening on %s within 20 s", e.nginxAddr)
}

// unprivileged returns nobody's credentials when this runs as root (nginx
// then runs as nobody, owning its directory), nil otherwise.
func unprivileged(dir string) (*syscall.Credential, error) {
	if os.Geteuid() != 0 {
		return nil, nil
	}
	u, err := user.Lookup("nobody")
	if err != nil {
		return nil, fmt.Errorf("running as root and no user nobody for nginx: %w", err)
	}
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)
	err = filepath.WalkDir(dir, func(p string, _ os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		return os.Chown(p, uid, gid)
	})
	if err != nil {
		return nil, fmt.Errorf("nginx dir for nobody: %w", err)
	}
	return &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid), NoSetGroups: true}, nil
}

// Targets.

func (e *env) gatewayTarget(body []byte) benchkit.Target {
	return benchkit.Target{Name: "gateway", Addr: e.gwAddr, Path: "/vp/crm/scheduling/GetSubjectOfCareSchedule/1/rivtabp21", TLS: e.clientTLS, Body: body}
}

func (e *env) nginxTarget(body []byte, mode string) benchkit.Target {
	return benchkit.Target{Name: "nginx", Addr: e.nginxAddr, Path: "/bench/" + mode, TLS: e.clientTLS, Body: body}
}

func (e *env) goproxyTarget(body []byte, mode string) benchkit.Target {
	return benchkit.Target{Name: "goproxy", Addr: e.goproxyAddr, Path: "/bench/" + mode, TLS: e.clientTLS, Body: body}
}

func (e *env) directTarget(body []byte, mode string) benchkit.Target {
	return benchkit.Target{Name: "direct", Addr: e.producerAddr, Path: "/bench/" + mode, Body: body}
}

// group is the server process(es) behind a target.
func (e *env) group(target string) benchkit.Group {
	switch target {
	case "gateway":
		return benchkit.Group{Name: "gateway", PIDs: []int{e.gateway.pid()}}
	case "nginx":
		return benchkit.Group{Name: "nginx", PIDs: append([]int{e.nginx.pid()}, e.nginxWorkers...)}
	case "goproxy":
		return benchkit.Group{Name: "goproxy", PIDs: []int{e.goproxy.pid()}}
	default:
		return benchkit.Group{Name: "producer", PIDs: []int{e.producer.pid()}}
	}
}

func (e *env) producerGroup() benchkit.Group {
	return benchkit.Group{Name: "producer", PIDs: []int{e.producer.pid()}}
}
