// Package browsertest drives a real headless Chromium from Go tests with
// chromedp: it finds the browser (skipping the test with a clear message
// when there is none), records console errors and uncaught exceptions, and
// keeps screenshots as test artefacts.
//
// Screenshots go to $DEVCHAIN_ARTEFACTS when set, else to the test
// package's testdata/artefacts (ignored by git).
package browsertest

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// ArtefactsEnv names the directory screenshots are written to.
const ArtefactsEnv = "DEVCHAIN_ARTEFACTS"

// browsers are the executable names tried, Debian's first.
var browsers = []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"}

// Browser is a headless Chromium tab.
type Browser struct {
	Ctx context.Context
	t   testing.TB

	mu     sync.Mutex
	errors []string
}

// New starts a headless Chromium with a fresh profile and opens a tab. It
// skips the test when no Chromium is installed.
func New(t testing.TB) *Browser {
	t.Helper()
	path := ""
	for _, name := range browsers {
		if p, err := exec.LookPath(name); err == nil {
			path = p
			break
		}
	}
	if path == "" {
		t.Skip("browsertest: no Chromium found (apt-get install -y chromium); skipping the browser test")
	}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(path),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1600, 1000),
	}
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelTab := chromedp.NewContext(allocCtx)
	t.Cleanup(func() {
		cancelTab()
		cancelAlloc()
	})
	b := &Browser{Ctx: ctx, t: t}
	if err := chromedp.Do(ctx); err != nil { // starts the browser and opens the tab
		t.Fatalf("browsertest: start %s: %v", path, err)
	}
	messages := chromedp.Console(ctx)
	go func() {
		for m, err := range messages {
			if err != nil {
				return
			}
			if m.Type == chromedp.ConsoleError || m.IsException() {
				b.record(fmt.Sprintf("%s (%s:%d)", m, m.URL, m.Line))
			}
		}
	}()
	return b
}

func (b *Browser) record(s string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.errors = append(b.errors, s)
}

// Errors returns the console errors and exceptions seen so far.
func (b *Browser) Errors() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]string(nil), b.errors...)
}

// Do runs chromedp actions with a timeout, failing the test on error.
func (b *Browser) Do(timeout time.Duration, actions ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.Ctx, timeout)
	defer cancel()
	if err := chromedp.Do(ctx, actions...); err != nil {
		b.t.Fatalf("browsertest: %v", err)
	}
}

// Navigate opens url.
func (b *Browser) Navigate(url string) {
	b.t.Helper()
	b.Do(30*time.Second, chromedp.Navigate(url))
}

// Click clicks the element a CSS selector finds, with the mouse.
func (b *Browser) Click(selector string) {
	b.t.Helper()
	b.Do(10*time.Second, chromedp.Click(chromedp.CSS(selector)))
}

// Eval evaluates a JavaScript expression and decodes its value.
func Eval[T any](b *Browser, expr string) T {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.Ctx, 10*time.Second)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr))
	if err != nil {
		b.t.Fatalf("browsertest: eval %s: %v", expr, err)
	}
	return v
}

// WaitJS polls a JavaScript expression until it is true or the timeout
// passes; what says what is awaited.
func (b *Browser) WaitJS(timeout time.Duration, what, expr string) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.Ctx, timeout)
	defer cancel()
	_, err := chromedp.Run(ctx, chromedp.Poll[bool](expr, chromedp.WithPollingInterval(50*time.Millisecond), chromedp.WithPollingTimeout(timeout)))
	if err != nil {
		b.t.Logf("browsertest: the page when waiting for %s failed:", what)
		b.Screenshot("timeout")
		b.t.Fatalf("browsertest: waiting for %s: %v", what, err)
	}
}

// ArtefactsDir returns where screenshots go, creating it.
func ArtefactsDir(t testing.TB) string {
	t.Helper()
	dir := os.Getenv(ArtefactsEnv)
	if dir == "" {
		dir = filepath.Join("testdata", "artefacts")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatalf("browsertest: artefacts: %v", err)
	}
	return dir
}

// Screenshot saves the whole page as DIR/<test name>-<name>.png and
// returns the file's path.
func (b *Browser) Screenshot(name string) string {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.Ctx, 20*time.Second)
	defer cancel()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		b.t.Fatalf("browsertest: screenshot: %v", err)
	}
	base := strings.NewReplacer("/", "_", " ", "_").Replace(b.t.Name()) + "-" + name + ".png"
	path := filepath.Join(ArtefactsDir(b.t), base)
	if err := os.WriteFile(path, png, 0o644); err != nil {
		b.t.Fatalf("browsertest: %v", err)
	}
	b.t.Logf("screenshot %s", path)
	return path
}
