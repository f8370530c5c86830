package deploy

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/goccy/go-yaml"
	"github.com/rs/zerolog"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rivgate/rivgate/gateway"
	"github.com/rivgate/rivgate/gateway/config"
	"github.com/rivgate/rivgate/internal/pki"
)

// obj is a decoded YAML document.
type obj = map[string]any

// get walks a decoded YAML document: string keys for maps, ints for lists.
func get(v any, keys ...any) any {
	for _, k := range keys {
		switch k := k.(type) {
		case string:
			m, ok := v.(map[string]any)
			if !ok {
				return nil
			}
			v = m[k]
		case int:
			l, ok := v.([]any)
			if !ok || k >= len(l) {
				return nil
			}
			v = l[k]
		}
	}
	return v
}

func str(v any, keys ...any) string {
	s, _ := get(v, keys...).(string)
	return s
}

func num(t *testing.T, v any, keys ...any) int {
	t.Helper()
	switch n := get(v, keys...).(type) {
	case uint64:
		return int(n)
	case int64:
		return int(n)
	case int:
		return n
	case float64:
		return int(n)
	}
	t.Fatalf("%v: not a number: %#v", keys, get(v, keys...))
	return 0
}

// manifests loads every document of deploy/k8s/*.yaml, keyed "Kind/name".
func manifests(t *testing.T) map[string]obj {
	t.Helper()
	files, err := filepath.Glob(filepath.Join("k8s", "*.yaml"))
	require.NoError(t, err)
	require.NotEmpty(t, files)
	out := map[string]obj{}
	for _, f := range files {
		b, err := os.ReadFile(f)
		require.NoError(t, err)
		dec := yaml.NewDecoder(bytes.NewReader(b))
		for {
			var doc obj
			err := dec.Decode(&doc)
			if errors.Is(err, io.EOF) {
				break
			}
			require.NoError(t, err, f)
			if doc == nil {
				continue
			}
			key := str(doc, "kind") + "/" + str(doc, "metadata", "name")
			require.NotContains(t, out, key, "%s defined twice", key)
			require.NotEmpty(t, str(doc, "apiVersion"), "%s in %s has no apiVersion", key, f)
			out[key] = doc
		}
	}
	return out
}

// container is the Deployment's one container.
func container(t *testing.T, m map[string]obj) obj {
	t.Helper()
	c, ok := get(m["Deployment/rivgate"], "spec", "template", "spec", "containers", 0).(obj)
	require.True(t, ok, "Deployment/rivgate has a container")
	return c
}

// portNumber resolves a named or numbered container port.
func portNumber(t *testing.T, c obj, p any) int {
	t.Helper()
	if name, ok := p.(string); ok {
		for i := range get(c, "ports").([]any) {
			if str(c, "ports", i, "name") == name {
				return num(t, c, "ports", i, "containerPort")
			}
		}
		t.Fatalf("no container port named %q", name)
	}
	return num(t, map[string]any{"p": p}, "p")
}

// mountOf returns the volume mounted at the longest mount path holding p.
func mountOf(t *testing.T, c obj, p string) (volume, mountPath string) {
	t.Helper()
	for i := range get(c, "volumeMounts").([]any) {
		mp := str(c, "volumeMounts", i, "mountPath")
		if (p == mp || strings.HasPrefix(p, mp+"/")) && len(mp) > len(mountPath) {
			volume, mountPath = str(c, "volumeMounts", i, "name"), mp
		}
	}
	require.NotEmpty(t, volume, "%s is not on any mounted volume", p)
	return volume, mountPath
}

func volume(t *testing.T, m map[string]obj, name string) obj {
	t.Helper()
	vols := get(m["Deployment/rivgate"], "spec", "template", "spec", "volumes").([]any)
	for _, v := range vols {
		if str(v, "name") == name {
			return v.(obj)
		}
	}
	t.Fatalf("no volume %q", name)
	return nil
}

func matches(selector, labels any) bool {
	sel, ok := selector.(obj)
	if !ok || len(sel) == 0 {
		return false
	}
	for k, v := range sel {
		if get(labels, k) != v {
			return false
		}
	}
	return true
}

// gatewayConfig parses the ConfigMap's gateway.yaml with the gateway's own
// strict loader.
func gatewayConfig(t *testing.T, m map[string]obj) *config.Config {
	t.Helper()
	raw := str(m["ConfigMap/rivgate-config"], "data", "gateway.yaml")
	require.NotEmpty(t, raw)
	cfg, err := config.Parse("k8s/configmap.yaml:gateway.yaml", []byte(raw))
	require.NoError(t, err)
	return cfg
}

func port(t *testing.T, addr string) int {
	t.Helper()
	_, p, ok := strings.Cut(addr, ":")
	require.True(t, ok, addr)
	n, err := strconv.Atoi(p)
	require.NoError(t, err, addr)
	return n
}

// TestKubernetesManifests checks what the manifests must agree on for the
// gateway to scale out: stateless replicas, probes on the admin port,
// configuration and certificates from a ConfigMap and a Secret, a TAK cache
// per replica, a Service, an HPA and a PodDisruptionBudget.
func TestKubernetesManifests(t *testing.T) {
	t.Parallel()
	m := manifests(t)
	for _, want := range []string{"Namespace/rivgate", "ConfigMap/rivgate-config", "Secret/rivgate-tls", "Deployment/rivgate",
		"Service/rivgate", "Service/rivgate-admin", "HorizontalPodAutoscaler/rivgate", "PodDisruptionBudget/rivgate", "NetworkPolicy/rivgate"} {
		require.Contains(t, m, want)
	}
	dep := m["Deployment/rivgate"]
	c := container(t, m)
	cfg := gatewayConfig(t, m)
	podLabels := get(dep, "spec", "template", "metadata", "labels")
	podSpec := get(dep, "spec", "template", "spec")

	t.Run("replicas and rollout", func(t *testing.T) {
		assert.GreaterOrEqual(t, num(t, dep, "spec", "replicas"), 2)
		assert.True(t, matches(get(dep, "spec", "selector", "matchLabels"), podLabels))
		assert.Equal(t, "RollingUpdate", str(dep, "spec", "strategy", "type"))
		assert.Equal(t, 0, num(t, dep, "spec", "strategy", "rollingUpdate", "maxUnavailable"), "no ready replica goes before its replacement is ready")
	})
	t.Run("ports and probes on the admin listener", func(t *testing.T) {
		assert.Equal(t, port(t, cfg.Listen.HTTPS), portNumber(t, c, "https"))
		assert.Equal(t, port(t, cfg.Listen.Admin), portNumber(t, c, "admin"))
		assert.True(t, strings.HasPrefix(cfg.Listen.Admin, "0.0.0.0:"), "the kubelet probes the pod IP")
		assert.Equal(t, "/readyz", str(c, "readinessProbe", "httpGet", "path"))
		assert.Equal(t, port(t, cfg.Listen.Admin), portNumber(t, c, get(c, "readinessProbe", "httpGet", "port")))
		assert.Equal(t, "/healthz", str(c, "livenessProbe", "httpGet", "path"))
		assert.Equal(t, port(t, cfg.Listen.Admin), portNumber(t, c, get(c, "livenessProbe", "httpGet", "port")))
	})
	t.Run("the admin port is open to named peers only", func(t *testing.T) {
		np := m["NetworkPolicy/rivgate"]
		assert.True(t, matches(get(np, "spec", "podSelector", "matchLabels"), podLabels), "the policy selects the gateway pods")
		assert.Contains(t, get(np, "spec", "policyTypes"), "Ingress")
		adminPort, httpsPort := port(t, cfg.Listen.Admin), port(t, cfg.Listen.HTTPS)
		httpsOpen := false
		rules, _ := get(np, "spec", "ingress").([]any)
		require.NotEmpty(t, rules)
		for i := range rules {
			ports, _ := get(rules, i, "ports").([]any)
			require.NotEmpty(t, ports, "ingress rule %d names its ports (none would open every port)", i)
			from, _ := get(rules, i, "from").([]any)
			for j := range ports {
				switch portNumber(t, c, get(ports, j, "port")) {
				case adminPort:
					require.NotEmpty(t, from, "ingress rule %d opens the admin port to everyone", i)
					for k := range from {
						assert.NotEmpty(t, get(from, k, "podSelector", "matchLabels"), "rule %d peer %d names the pods it admits", i, k)
					}
				case httpsPort:
					httpsOpen = httpsOpen || len(from) == 0
				}
			}
		}
		assert.True(t, httpsOpen, "consumers reach the service port")
		assert.False(t, cfg.Admin.GetResetCache, "reloads need POST")
		assert.NotEmpty(t, cfg.Admin.AllowedHosts, "the admin Service's name is accepted as Host")
	})
	t.Run("graceful stop outlasts the drain", func(t *testing.T) {
		grace := num(t, podSpec, "terminationGracePeriodSeconds")
		pause := 0
		if cmd, ok := get(c, "lifecycle", "preStop", "exec", "command").([]any); ok && len(cmd) == 2 && cmd[0] == "sleep" {
			pause, _ = strconv.Atoi(fmt.Sprint(cmd[1]))
		}
		assert.Greater(t, time.Duration(grace)*time.Second, cfg.Shutdown.Drain.D()+time.Duration(pause)*time.Second)
	})
	t.Run("non-root, read-only, no privileges", func(t *testing.T) {
		assert.Equal(t, true, get(podSpec, "securityContext", "runAsNonRoot"))
		assert.Equal(t, dockerUser(t), fmt.Sprint(get(podSpec, "securityContext", "runAsUser")), "the image's USER")
		assert.Equal(t, true, get(c, "securityContext", "readOnlyRootFilesystem"))
		assert.Equal(t, false, get(c, "securityContext", "allowPrivilegeEscalation"))
		assert.Equal(t, []any{"ALL"}, get(c, "securityContext", "capabilities", "drop"))
	})
	t.Run("config from the ConfigMap, certificates from the Secret, TAK cache per replica", func(t *testing.T) {
		args := get(c, "args").([]any)
		require.Len(t, args, 3)
		cmName := str(volume(t, m, mustMount(t, c, fmt.Sprint(args[2]))), "configMap", "name")
		assert.Equal(t, "rivgate-config", cmName)
		assert.Equal(t, "gateway.yaml", path.Base(fmt.Sprint(args[2])))
		for _, f := range cfg.TAK.Files {
			v := volume(t, m, mustMount(t, c, f))
			assert.Equal(t, "rivgate-config", str(v, "configMap", "name"), f)
			assert.NotEmpty(t, str(m["ConfigMap/rivgate-config"], "data", path.Base(f)), "%s is a key of the ConfigMap", f)
		}
		secret := m["Secret/rivgate-tls"]
		for _, f := range []string{cfg.TLS.Cert, cfg.TLS.Key, cfg.TLS.ClientCA, cfg.Producers.Cert, cfg.Producers.Key, cfg.Producers.CA} {
			v := volume(t, m, mustMount(t, c, f))
			assert.Equal(t, "rivgate-tls", str(v, "secret", "secretName"), f)
			assert.NotEmpty(t, str(secret, "stringData", path.Base(f)), "%s is a key of the Secret", f)
		}
		require.NotEmpty(t, cfg.TAK.URL, "each replica polls TAK")
		require.NotEmpty(t, cfg.TAK.CacheFile)
		v := volume(t, m, mustMount(t, c, cfg.TAK.CacheFile))
		assert.NotNil(t, get(v, "emptyDir"), "the TAK cache is per replica (emptyDir)")
		assert.Positive(t, cfg.TAK.Poll.D())
	})
	t.Run("services select the pods", func(t *testing.T) {
		for _, name := range []string{"Service/rivgate", "Service/rivgate-admin"} {
			s := m[name]
			assert.True(t, matches(get(s, "spec", "selector"), podLabels), name)
			portNumber(t, c, get(s, "spec", "ports", 0, "targetPort"))
		}
		assert.Equal(t, port(t, cfg.Listen.HTTPS), portNumber(t, c, get(m["Service/rivgate"], "spec", "ports", 0, "targetPort")))
	})
	t.Run("autoscaler and disruption budget", func(t *testing.T) {
		hpa, pdb := m["HorizontalPodAutoscaler/rivgate"], m["PodDisruptionBudget/rivgate"]
		assert.Equal(t, "Deployment", str(hpa, "spec", "scaleTargetRef", "kind"))
		assert.Equal(t, "rivgate", str(hpa, "spec", "scaleTargetRef", "name"))
		minR, maxR := num(t, hpa, "spec", "minReplicas"), num(t, hpa, "spec", "maxReplicas")
		assert.Greater(t, maxR, minR)
		assert.Greater(t, minR, num(t, pdb, "spec", "minAvailable"), "a drain can always evict one replica")
		assert.True(t, matches(get(pdb, "spec", "selector", "matchLabels"), podLabels))
	})
	t.Run("everything in one namespace", func(t *testing.T) {
		for k, o := range m {
			if k != "Namespace/rivgate" {
				assert.Equal(t, "rivgate", str(o, "metadata", "namespace"), k)
			}
		}
	})
}

func mustMount(t *testing.T, c obj, p string) string {
	t.Helper()
	v, _ := mountOf(t, c, p)
	return v
}

// TestKubernetesConfigStartsAGateway runs a real gateway with the
// ConfigMap's gateway.yaml and local TAK file, its mount paths mapped to a
// temporary directory holding certificates made here and its listeners
// moved to loopback. The live TAK URL is left out (no TAK service here; the
// TAK package tests polling and the cache fallback): /readyz must answer
// 200 once the local TAK file is loaded.
func TestKubernetesConfigStartsAGateway(t *testing.T) {
	t.Parallel()
	m := manifests(t)
	cm := m["ConfigMap/rivgate-config"]
	dir := t.TempDir()
	for _, d := range []string{"tls", "config", "cache"} {
		require.NoError(t, os.Mkdir(filepath.Join(dir, d), 0o755))
	}
	raw := str(cm, "data", "gateway.yaml")
	rewrite := strings.NewReplacer(
		"/etc/rivgate/tls/", filepath.Join(dir, "tls")+"/",
		"/etc/rivgate/config/", filepath.Join(dir, "config")+"/",
		"/var/cache/rivgate/", filepath.Join(dir, "cache")+"/",
		"0.0.0.0:20000", "127.0.0.1:0",
		"0.0.0.0:20001", "127.0.0.1:0",
	)
	urlLine := regexp.MustCompile(`(?m)^(\s*url:\s*).*$`)
	local := urlLine.ReplaceAllString(rewrite.Replace(raw), `${1}""`)
	require.NotEqual(t, raw, local)
	for k, v := range cm["data"].(obj) {
		require.NoError(t, os.WriteFile(filepath.Join(dir, "config", k), []byte(fmt.Sprint(v)), 0o644))
	}
	require.NoError(t, os.WriteFile(filepath.Join(dir, "config", "gateway.yaml"), []byte(local), 0o644))
	ca, err := pki.NewCA("deploy test CA")
	require.NoError(t, err)
	server, err := ca.IssueServer(pki.Options{})
	require.NoError(t, err)
	client, err := ca.IssueClient("SE2321000016-GW", pki.Options{})
	require.NoError(t, err)
	tlsDir := filepath.Join(dir, "tls")
	_, _, err = server.WriteFiles(tlsDir, "server")
	require.NoError(t, err)
	_, _, err = client.WriteFiles(tlsDir, "producer-client")
	require.NoError(t, err)
	for _, n := range []string{"client-ca.pem", "producer-ca.pem"} {
		require.NoError(t, os.WriteFile(filepath.Join(tlsDir, n), ca.CertPEM, 0o644))
	}

	cfg, err := config.Load(filepath.Join(dir, "config", "gateway.yaml"))
	require.NoError(t, err)
	gw, err := gateway.New(cfg, gateway.Deps{Logger: zerolog.Nop(), Version: "test"})
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	require.NoError(t, gw.Start(ctx))
	defer gw.Close()
	admin := "http://" + gw.Addr(gateway.Admin)
	resp, err := http.Get(admin + "/readyz")
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusOK, resp.StatusCode, "/readyz with the ConfigMap's TAK file")
	resp, err = http.Get(admin + "/status")
	require.NoError(t, err)
	defer resp.Body.Close()
	var status struct {
		Name      string `json:"name"`
		Catalogue struct {
			Detail struct {
				Permissions int `json:"permissions"`
			} `json:"detail"`
		} `json:"catalogue"`
	}
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&status))
	assert.Equal(t, "NTjP Test", status.Name)
	assert.Equal(t, 1, status.Catalogue.Detail.Permissions, "local.yaml's permission is loaded")
}

// instruction is one Dockerfile instruction with its line.
type instruction struct {
	line    int
	keyword string
	args    string
}

// parseDockerfile reads instructions, joining continuation lines and
// skipping comments (the Dockerfile reference's syntax).
func parseDockerfile(t *testing.T, p string) []instruction {
	t.Helper()
	f, err := os.Open(p)
	require.NoError(t, err)
	defer f.Close()
	var out []instruction
	var cur *instruction
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		cont := strings.HasSuffix(line, "\\")
		line = strings.TrimSpace(strings.TrimSuffix(line, "\\"))
		if cur == nil {
			kw, rest, _ := strings.Cut(line, " ")
			require.Regexp(t, `^[A-Z]+$`, kw, "%s:%d: instruction keyword", p, n)
			cur = &instruction{line: n, keyword: kw, args: strings.TrimSpace(rest)}
		} else {
			cur.args += " " + line
		}
		if !cont {
			out = append(out, *cur)
			cur = nil
		}
	}
	require.NoError(t, sc.Err())
	require.Nil(t, cur, "%s ends inside a continued instruction", p)
	return out
}

// dockerUser is the final stage's numeric USER.
func dockerUser(t *testing.T) string {
	t.Helper()
	user := ""
	for _, in := range parseDockerfile(t, filepath.Join("..", "Dockerfile")) {
		switch in.keyword {
		case "FROM":
			user = ""
		case "USER":
			user, _, _ = strings.Cut(in.args, ":")
		}
	}
	return user
}

// TestDockerfile lints the Dockerfile by parsing it: a multi-stage build
// of the static binary with scripts/build.sh, a non-root final stage with
// a health check on /readyz at the admin port the Kubernetes config uses.
// (No container engine runs here, so the image itself is not built.)
func TestDockerfile(t *testing.T) {
	t.Parallel()
	ins := parseDockerfile(t, filepath.Join("..", "Dockerfile"))
	var stages []string
	stageOf := map[int]int{}
	for i, in := range ins {
		if in.keyword == "FROM" {
			f := strings.Fields(in.args)
			name := ""
			if len(f) == 3 && strings.EqualFold(f[1], "AS") {
				name = f[2]
			}
			stages = append(stages, name)
		}
		stageOf[i] = len(stages) - 1
	}
	require.GreaterOrEqual(t, len(stages), 2, "multi-stage")
	final := len(stages) - 1
	var build, healthcheck, user, entrypoint, cmd string
	var exposed []string
	for i, in := range ins {
		switch {
		case in.keyword == "RUN" && strings.Contains(in.args, "scripts/build.sh") && stageOf[i] < final:
			build = in.args
		case in.keyword == "COPY" && strings.HasPrefix(in.args, "--from="):
			from := strings.Fields(strings.TrimPrefix(in.args, "--from="))[0]
			assert.Contains(t, stages[:stageOf[i]], from, "line %d: COPY --from an earlier stage", in.line)
		case stageOf[i] != final:
		case in.keyword == "HEALTHCHECK":
			healthcheck = in.args
		case in.keyword == "USER":
			user = in.args
		case in.keyword == "EXPOSE":
			exposed = append(exposed, strings.Fields(in.args)...)
		case in.keyword == "ENTRYPOINT":
			entrypoint = in.args
		case in.keyword == "CMD":
			cmd = in.args
		}
	}
	require.NotEmpty(t, build, "the binary is built with scripts/build.sh")
	script, err := os.ReadFile(filepath.Join("..", "scripts", "build.sh"))
	require.NoError(t, err)
	assert.Contains(t, string(script), "CGO_ENABLED=0", "static binary")
	assert.Contains(t, string(script), "-X $pkg.version=", "version stamped by ldflags")

	uid, _, _ := strings.Cut(user, ":")
	n, err := strconv.Atoi(uid)
	require.NoError(t, err, "USER is numeric (Kubernetes runAsNonRoot checks it): %q", user)
	assert.NotZero(t, n, "non-root")

	m := manifests(t)
	cfg := gatewayConfig(t, m)
	adminPort := strconv.Itoa(port(t, cfg.Listen.Admin))
	assert.Contains(t, healthcheck, "http://127.0.0.1:"+adminPort+"/readyz")
	assert.ElementsMatch(t, []string{strconv.Itoa(port(t, cfg.Listen.HTTPS)), adminPort}, exposed)
	assert.Equal(t, `["/usr/local/bin/rivgate"]`, entrypoint)
	dockerfile, err := os.ReadFile(filepath.Join("..", "Dockerfile"))
	require.NoError(t, err)
	published := regexp.MustCompile(`-p (\S+):`+adminPort+`\b`).FindAllStringSubmatch(string(dockerfile), -1)
	require.NotEmpty(t, published, "the docker run example publishes the admin port")
	for _, p := range published {
		assert.True(t, strings.HasPrefix(p[1], "127.0.0.1:"), "the admin port is published on the host's loopback only: -p %s:%s", p[1], adminPort)
	}
	assert.Contains(t, cmd, `"gateway", "-c"`)
}

// TestSystemdUnit checks the unit's commands and hardening, then lets
// systemd-analyze verify it and rate its exposure.
func TestSystemdUnit(t *testing.T) {
	t.Parallel()
	unitPath := filepath.Join("systemd", "rivgate.service")
	b, err := os.ReadFile(unitPath)
	require.NoError(t, err)
	keys := map[string][]string{}
	section := ""
	for n, line := range strings.Split(string(b), "\n") {
		line = strings.TrimSpace(line)
		switch {
		case line == "" || strings.HasPrefix(line, "#"):
		case strings.HasPrefix(line, "["):
			section = strings.Trim(line, "[]")
		default:
			k, v, ok := strings.Cut(line, "=")
			require.True(t, ok, "%s:%d: key=value", unitPath, n+1)
			keys[section+"."+k] = append(keys[section+"."+k], v)
		}
	}
	one := func(k string) string {
		v := keys[k]
		require.Len(t, v, 1, k)
		return v[0]
	}
	assert.Equal(t, "/usr/local/bin/rivgate gateway -c /etc/rivgate/gateway.yaml", one("Service.ExecStart"))
	assert.Equal(t, "/usr/local/bin/rivgate gateway --check -c /etc/rivgate/gateway.yaml", one("Service.ExecStartPre"))
	assert.Equal(t, "/bin/kill -HUP $MAINPID", one("Service.ExecReload"), "reload = SIGHUP")
	stop, err := time.ParseDuration(one("Service.TimeoutStopSec"))
	require.NoError(t, err)
	assert.Greater(t, stop, 30*time.Second, "longer than the default shutdown.drain")
	assert.NotEqual(t, "root", one("Service.User"))
	for k, want := range map[string]string{
		"NoNewPrivileges": "yes", "ProtectSystem": "strict", "ProtectHome": "yes", "PrivateTmp": "yes",
		"PrivateDevices": "yes", "CapabilityBoundingSet": "", "RestrictSUIDSGID": "yes", "MemoryDenyWriteExecute": "yes",
		"SystemCallArchitectures": "native", "CacheDirectory": "rivgate",
	} {
		assert.Equal(t, want, one("Service."+k), k)
	}
	assert.Equal(t, "multi-user.target", one("Install.WantedBy"))

	if _, err := exec.LookPath("systemd-analyze"); err != nil {
		t.Skip("systemd-analyze missing: apt-get install -y systemd (the unit was checked by parsing only)")
	}
	// verify wants the executable to exist: point the unit at this test
	// binary, which does.
	self, err := os.Executable()
	require.NoError(t, err)
	tmp := filepath.Join(t.TempDir(), "rivgate.service")
	require.NoError(t, os.WriteFile(tmp, bytes.ReplaceAll(b, []byte("/usr/local/bin/rivgate"), []byte(self)), 0o644))
	out, err := exec.Command("systemd-analyze", "verify", tmp).CombinedOutput()
	require.NoError(t, err, "systemd-analyze verify:\n%s", out)
	assert.Empty(t, strings.TrimSpace(string(out)), "systemd-analyze verify warnings")
	out, err = exec.Command("systemd-analyze", "security", "--offline=true", "--no-pager", tmp).CombinedOutput()
	require.NoError(t, err, "systemd-analyze security:\n%s", out)
	mm := regexp.MustCompile(`Overall exposure level for rivgate\.service: (\d+\.\d+) (\S+)`).FindSubmatch(out)
	require.NotNil(t, mm, "%s", out)
	score, _ := strconv.ParseFloat(string(mm[1]), 64)
	t.Logf("systemd-analyze security: exposure %.1f %s (0 = locked down, 10 = fully exposed)", score, mm[2])
	assert.LessOrEqual(t, score, 2.0, "exposure level")
}

// TestIndependentValidators runs deploy/validate (npm: kubernetes-models
// schemas for every manifest, dockerfile-utils' linter for the Dockerfile)
// with the exact versions in its package-lock.json, installed once into
// the user cache directory.
func TestIndependentValidators(t *testing.T) {
	t.Parallel()
	for _, tool := range []string{"node", "npm"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s missing: apt-get install -y nodejs npm (the manifests were checked by parsing only)", tool)
		}
	}
	lock, err := os.ReadFile(filepath.Join("validate", "package-lock.json"))
	require.NoError(t, err)
	sum := sha256.Sum256(lock)
	cache, err := os.UserCacheDir()
	if err != nil {
		cache = os.TempDir()
	}
	dir := filepath.Join(cache, "rivgate", "deploy-validate-"+hex.EncodeToString(sum[:6]))
	if _, err := os.Stat(filepath.Join(dir, "node_modules", "kubernetes-models")); err != nil {
		tmp, err := os.MkdirTemp(filepath.Dir(dir), "install-")
		if err != nil {
			require.NoError(t, os.MkdirAll(filepath.Dir(dir), 0o755))
			tmp, err = os.MkdirTemp(filepath.Dir(dir), "install-")
		}
		require.NoError(t, err)
		defer os.RemoveAll(tmp)
		for _, f := range []string{"package.json", "package-lock.json"} {
			b, err := os.ReadFile(filepath.Join("validate", f))
			require.NoError(t, err)
			require.NoError(t, os.WriteFile(filepath.Join(tmp, f), b, 0o644))
		}
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
		defer cancel()
		cmd := exec.CommandContext(ctx, "npm", "ci", "--no-audit", "--no-fund", "--ignore-scripts")
		cmd.Dir = tmp
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Skipf("npm ci for deploy/validate failed (registry unreachable?), the manifests were checked by parsing only: %v\n%s", err, out)
		}
		if err := os.Rename(tmp, dir); err != nil && !errors.Is(err, os.ErrExist) {
			// Another test process installed it meanwhile: use theirs.
			if _, serr := os.Stat(filepath.Join(dir, "node_modules")); serr != nil {
				require.NoError(t, err)
			}
		}
	}
	script, err := os.ReadFile(filepath.Join("validate", "validate.mjs"))
	require.NoError(t, err)
	// The script resolves its imports from the directory it is in.
	ssum := sha256.Sum256(script)
	runner := filepath.Join(dir, "validate-"+hex.EncodeToString(ssum[:4])+".mjs")
	require.NoError(t, os.WriteFile(runner, script, 0o644))
	files, err := filepath.Glob(filepath.Join("k8s", "*.yaml"))
	require.NoError(t, err)
	docker, _ := filepath.Abs(filepath.Join("..", "Dockerfile"))
	args := []string{runner}
	for _, f := range files {
		abs, _ := filepath.Abs(f)
		args = append(args, abs)
	}
	args = append(args, docker)
	out, err := exec.Command("node", args...).CombinedOutput()
	require.NoError(t, err, "independent validators:\n%s", out)
	t.Logf("%s", out)
	m := manifests(t)
	assert.Equal(t, len(m)+1, strings.Count(string(out), "OK "), "every object and the Dockerfile validated:\n%s", out)
}
