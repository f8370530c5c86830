// Command wbshots makes the workbench's screenshots in docs/img from a real
// demo run: it runs `rivgate demo --workbench` (the binary given), and in
// Debian's chromium, headless, gives a name, judges the demo's manual step,
// declares, decides with conditions and adds a deviation with its owner and
// fix-by date, as a certifier would; then it saves the run page
// (workbench-run.png) and the decision with its deviations and forms
// (workbench-decision.png), and stops the demo.
//
//	go build -o /tmp/rivgate ./cmd/rivgate && go run ./tools/wbshots -rivgate /tmp/rivgate -out docs/img
package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"time"

	"github.com/chromedp/chromedp"
)

func main() {
	bin := flag.String("rivgate", "", "the rivgate binary to run the demo with (required)")
	out := flag.String("out", "docs/img", "where to write the PNG files")
	browser := flag.String("chromium", "chromium", "the chromium binary (apt-get install chromium)")
	flag.Parse()
	if *bin == "" || flag.NArg() != 0 {
		fmt.Fprintln(os.Stderr, "usage: wbshots -rivgate BIN [-out docs/img] [-chromium chromium]")
		os.Exit(2)
	}
	if err := run(*bin, *browser, *out); err != nil {
		fmt.Fprintln(os.Stderr, "wbshots:", err)
		os.Exit(1)
	}
}

// page is the run page demo --workbench prints.
var page = regexp.MustCompile(`open (http://127\.0\.0\.1:\d+)(/runs/[^ ]+/) to judge`)

func run(bin, browser, out string) error {
	tmp, err := os.MkdirTemp("", "wbshots-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	demo := exec.CommandContext(ctx, bin, "demo", "--workbench", "-o", filepath.Join(tmp, "tour"))
	demo.Cancel = func() error { return demo.Process.Signal(syscall.SIGTERM) }
	stdout, err := demo.StdoutPipe()
	if err != nil {
		return err
	}
	demo.Stderr = os.Stderr
	if err := demo.Start(); err != nil {
		return fmt.Errorf("start the demo: %w", err)
	}
	defer func() {
		_ = demo.Process.Signal(syscall.SIGTERM)
		_ = demo.Wait()
	}()
	base, runPath, err := waitForPage(stdout)
	if err != nil {
		return err
	}
	go func() { _, _ = io.Copy(io.Discard, stdout) }()

	alloc, cancelAlloc := chromedp.NewExecAllocator(ctx, chromedp.ExecPath(browser), chromedp.Headless, chromedp.NoSandbox,
		chromedp.DisableGPU, chromedp.NoFirstRun, chromedp.NoDefaultBrowserCheck, chromedp.UserDataDir(filepath.Join(tmp, "profile")),
		chromedp.WindowSize(1280, 1000))
	defer cancelAlloc()
	b, cancelBrowser := chromedp.NewContext(alloc)
	defer cancelBrowser()
	// Started on b itself: a browser started under a step's timeout
	// would end with that step.
	if err := chromedp.Run(b); err != nil {
		return fmt.Errorf("start chromium: %w", err)
	}
	runPage := base + runPath
	judge := `form.judge`
	var runPNG, decisionPNG []byte
	steps := []struct {
		name    string
		actions []chromedp.Action
	}{
		{"give a name", []chromedp.Action{chromedp.Navigate(base + "/"), chromedp.WaitVisible(`#name`, chromedp.ByID),
			chromedp.SendKeys(`#name`, "Karin Certifierare", chromedp.ByID), chromedp.Click(`#login`, chromedp.ByID),
			chromedp.WaitVisible(`#runs`, chromedp.ByID)}},
		{"shoot the run page", []chromedp.Action{chromedp.Navigate(runPage), chromedp.WaitVisible(`#decision`, chromedp.ByID),
			chromedp.CaptureScreenshot(&runPNG)}},
		{"judge the manual step", []chromedp.Action{chromedp.Navigate(runPage),
			chromedp.Click(judge+` input[value="pass"]`, chromedp.ByQuery),
			chromedp.SendKeys(judge+` textarea`, "The consumer shows the producer's error and keeps the patient selected.", chromedp.ByQuery),
			chromedp.Click(judge+` button`, chromedp.ByQuery), chromedp.WaitVisible(`#flash`, chromedp.ByID)}},
		{"declare", []chromedp.Action{chromedp.Navigate(runPage),
			chromedp.SendKeys(`#org`, "Demo Vård AB", chromedp.ByID),
			chromedp.SendKeys(`#statement`, "Vi intygar att testerna är utförda.", chromedp.ByID),
			chromedp.Click(`#declare button`, chromedp.ByQuery), chromedp.WaitVisible(`#flash`, chromedp.ByID)}},
		{"add a deviation", []chromedp.Action{chromedp.Navigate(runPage),
			chromedp.SendKeys(`#add-id`, "X1", chromedp.ByID),
			chromedp.SetValue(`#add-deviation select[name="severity"]`, "minor", chromedp.ByQuery),
			chromedp.SendKeys(`#add-deviation input[name="requirement"]`, "DEMO-03", chromedp.ByQuery),
			chromedp.SendKeys(`#add-deviation input[name="text"]`, "Describe the VP007 message in the user manual", chromedp.ByQuery),
			chromedp.SendKeys(`#add-deviation input[name="owner"]`, "Demo Vård AB", chromedp.ByQuery),
			chromedp.SetValue(`#add-deviation input[name="fix_by"]`, "2027-03-31", chromedp.ByQuery),
			chromedp.Click(`#add-deviation button`, chromedp.ByQuery), chromedp.WaitVisible(`#flash`, chromedp.ByID)}},
		{"decide", []chromedp.Action{chromedp.Navigate(runPage),
			chromedp.SetValue(`#decide-outcome`, "approved-with-conditions", chromedp.ByID),
			chromedp.SendKeys(`#decide-reason`, "Approved once X1 is done; the tests found no deviation", chromedp.ByID),
			chromedp.Click(`#decide-form button`, chromedp.ByQuery), chromedp.WaitVisible(`#flash`, chromedp.ByID)}},
		{"shoot the decision", []chromedp.Action{chromedp.Navigate(runPage), chromedp.WaitVisible(`#deviations`, chromedp.ByID),
			chromedp.ScrollIntoView(`#decision`, chromedp.ByID),
			chromedp.Screenshot(`#decision`, &decisionPNG, chromedp.ByID)}},
	}
	for _, s := range steps {
		sctx, scancel := context.WithTimeout(b, 60*time.Second)
		err := chromedp.Run(sctx, s.actions...)
		scancel()
		if err != nil {
			return fmt.Errorf("%s: %w", s.name, err)
		}
	}
	if err := os.MkdirAll(out, 0o755); err != nil {
		return err
	}
	for name, png := range map[string][]byte{"workbench-run.png": runPNG, "workbench-decision.png": decisionPNG} {
		if err := os.WriteFile(filepath.Join(out, name), png, 0o644); err != nil {
			return err
		}
		fmt.Println(filepath.Join(out, name))
	}
	return nil
}

// waitForPage reads the demo's output until it prints the workbench's run
// page.
func waitForPage(r io.Reader) (base, path string, err error) {
	sc := bufio.NewScanner(r)
	var last []string
	for sc.Scan() {
		line := sc.Text()
		if m := page.FindStringSubmatch(line); m != nil {
			return m[1], m[2], nil
		}
		last = append(last, line)
		if len(last) > 20 {
			last = last[1:]
		}
	}
	if err := sc.Err(); err != nil {
		return "", "", err
	}
	return "", "", errors.New("the demo ended without offering the workbench; its last lines:\n" + strings.Join(last, "\n"))
}
