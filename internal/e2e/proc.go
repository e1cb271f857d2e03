package e2e

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/devchain/devchain/rpcclient"
)

// ProcConfig describes a `node run` process that keeps its ports across
// restarts, so that peers configured with its address find it again.
type ProcConfig struct {
	// Dir is the datadir (required).
	Dir string
	// Genesis is the genesis.json path given with --genesis ("" for none).
	Genesis string
	// P2PPort and RPCPort are fixed loopback ports; 0 picks free ones at
	// the first start and keeps them.
	P2PPort, RPCPort int
	// Peers are --peer bootstrap addresses.
	Peers []string
	// Args are more `node run` arguments (--mine, --log-level ...).
	Args []string
	// StartTimeout bounds the wait for the RPC after a start (default 30 s).
	StartTimeout time.Duration
}

// Proc is a `node run` process that a test starts, kills and restarts on
// the same datadir and ports.
type Proc struct {
	t   testing.TB
	cfg ProcConfig

	mu     sync.Mutex
	cmd    *exec.Cmd
	done   chan struct{}
	log    *lockedWriter // every run's output, appended
	client *rpcclient.Client
	PeerID string
	// Starts counts the process starts, Kills the SIGKILLs.
	Starts, Kills int
}

// FreePort returns a loopback TCP port that was free a moment ago.
func FreePort(t testing.TB) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// NewProc prepares a process (not started) and registers its kill with
// t.Cleanup.
func NewProc(t testing.TB, cfg ProcConfig) *Proc {
	t.Helper()
	if cfg.P2PPort == 0 {
		cfg.P2PPort = FreePort(t)
	}
	if cfg.RPCPort == 0 {
		cfg.RPCPort = FreePort(t)
	}
	if cfg.StartTimeout == 0 {
		cfg.StartTimeout = 30 * time.Second
	}
	p := &Proc{t: t, cfg: cfg, log: &lockedWriter{buf: &bytes.Buffer{}}}
	t.Cleanup(func() { p.Kill() })
	return p
}

// StartProc prepares and starts a process.
func StartProc(t testing.TB, cfg ProcConfig) *Proc {
	t.Helper()
	p := NewProc(t, cfg)
	p.Start()
	return p
}

// Dir returns the datadir.
func (p *Proc) Dir() string { return p.cfg.Dir }

// ListenAddr is the fixed libp2p listen multiaddr, without the peer id.
func (p *Proc) ListenAddr() string { return fmt.Sprintf("/ip4/127.0.0.1/tcp/%d", p.cfg.P2PPort) }

// Addr is the peer address other nodes dial (known after the first start).
func (p *Proc) Addr() string { return p.ListenAddr() + "/p2p/" + p.PeerID }

// SetPeers replaces the --peer addresses used by the next start.
func (p *Proc) SetPeers(peers ...string) { p.cfg.Peers = peers }

// SetArgs replaces the extra arguments used by the next start.
func (p *Proc) SetArgs(args ...string) { p.cfg.Args = args }

func (p *Proc) args() []string {
	args := []string{"run", "--datadir", p.cfg.Dir, "--mdns=false",
		"--listen", p.ListenAddr(), "--rpc", fmt.Sprintf("127.0.0.1:%d", p.cfg.RPCPort)}
	if p.cfg.Genesis != "" {
		args = append(args, "--genesis", p.cfg.Genesis)
	}
	for _, peer := range p.cfg.Peers {
		args = append(args, "--peer", peer)
	}
	return append(args, p.cfg.Args...)
}

// Start runs the process and waits until its RPC answers; it fails the
// test if the process exits or does not answer in time.
func (p *Proc) Start() {
	p.t.Helper()
	if err := p.TryStart(); err != nil {
		p.t.Fatalf("%v\n%s", err, p.Tail(60))
	}
}

// TryStart is Start returning the failure.
func (p *Proc) TryStart() error {
	if p.Running() {
		return fmt.Errorf("e2e: node in %s already running", p.cfg.Dir)
	}
	bin := filepath.Join(Binaries(p.t), "node")
	os.Remove(filepath.Join(p.cfg.Dir, rpcclient.URLFile))
	cmd := exec.Command(bin, p.args()...)
	cmd.Stdout, cmd.Stderr = p.log, p.log
	fmt.Fprintf(p.log, "=== start %d: node %s\n", p.Starts+1, strings.Join(p.args(), " "))
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("e2e: start node: %w", err)
	}
	done := make(chan struct{})
	go func() {
		cmd.Wait()
		close(done)
	}()
	p.mu.Lock()
	p.cmd, p.done, p.client = cmd, done, nil
	p.Starts++
	p.mu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), p.cfg.StartTimeout)
	defer cancel()
	c, id, err := rpcclient.AwaitNode(ctx, p.cfg.Dir, done)
	switch {
	case errors.Is(err, rpcclient.ErrNodeExited):
		return fmt.Errorf("e2e: node in %s exited at start: %s", p.cfg.Dir, cmd.ProcessState)
	case err != nil:
		return fmt.Errorf("e2e: %w", err)
	}
	p.mu.Lock()
	p.client, p.PeerID = c, id.PeerID
	p.mu.Unlock()
	return nil
}

// Running reports whether the process is alive.
func (p *Proc) Running() bool {
	p.mu.Lock()
	done := p.done
	p.mu.Unlock()
	if done == nil {
		return false
	}
	select {
	case <-done:
		return false
	default:
		return true
	}
}

// PID returns the process id (0 when not running).
func (p *Proc) PID() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.cmd == nil || p.cmd.Process == nil {
		return 0
	}
	return p.cmd.Process.Pid
}

// Kill sends SIGKILL and waits for the process to be gone.
func (p *Proc) Kill() {
	p.mu.Lock()
	cmd, done := p.cmd, p.done
	p.mu.Unlock()
	if cmd == nil || !p.Running() {
		return
	}
	cmd.Process.Kill()
	<-done
	p.mu.Lock()
	p.Kills++
	p.mu.Unlock()
	fmt.Fprintf(p.log, "=== killed (SIGKILL)\n")
}

// Stop sends SIGTERM and waits for a clean exit, failing the test if the
// exit status is not 0.
func (p *Proc) Stop() {
	p.t.Helper()
	p.mu.Lock()
	cmd, done := p.cmd, p.done
	p.mu.Unlock()
	if cmd == nil || !p.Running() {
		return
	}
	cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		p.t.Fatalf("node in %s did not stop on SIGTERM\n%s", p.cfg.Dir, p.Tail(40))
	}
	if code := cmd.ProcessState.ExitCode(); code != 0 {
		p.t.Fatalf("node in %s exited with %d on SIGTERM\n%s", p.cfg.Dir, code, p.Tail(40))
	}
}

// Wait waits for the process to exit by itself and returns its exit code.
func (p *Proc) Wait(timeout time.Duration) (int, bool) {
	p.mu.Lock()
	cmd, done := p.cmd, p.done
	p.mu.Unlock()
	select {
	case <-done:
		return cmd.ProcessState.ExitCode(), true
	case <-time.After(timeout):
		return 0, false
	}
}

// Client returns the RPC client of the current run.
func (p *Proc) Client() *rpcclient.Client {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.client
}

// Call invokes a method with a timeout; the error is returned, not fatal.
func (p *Proc) Call(result any, method string, params ...any) error {
	c := p.Client()
	if c == nil {
		return fmt.Errorf("e2e: node in %s is not running", p.cfg.Dir)
	}
	if params == nil {
		params = []any{}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	return c.Call(ctx, method, params, result)
}

// Must invokes a method and fails the test on error.
func (p *Proc) Must(result any, method string, params ...any) {
	p.t.Helper()
	if err := p.Call(result, method, params...); err != nil {
		p.t.Fatalf("%s %v on %s: %v\n%s", method, params, p.cfg.Dir, err, p.Tail(30))
	}
}

// BestHash returns the tip hash, "" when the node does not answer.
func (p *Proc) BestHash() string {
	var h string
	if p.Call(&h, "getbestblockhash") != nil {
		return ""
	}
	return h
}

// Height returns the tip height, -1 when the node does not answer.
func (p *Proc) Height() int {
	h := -1
	if p.Call(&h, "getblockcount") != nil {
		return -1
	}
	return h
}

// Log returns everything the process printed over all its runs.
func (p *Proc) Log() string {
	p.log.mu.Lock()
	defer p.log.mu.Unlock()
	return p.log.buf.String()
}

// Tail returns the last n lines of the log.
func (p *Proc) Tail(n int) string {
	lines := strings.Split(strings.TrimRight(p.Log(), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// MemStatus returns the process's resident set size and its peak, in
// bytes, from /proc (Linux).
func (p *Proc) MemStatus() (rss, peak int64, err error) {
	pid := p.PID()
	if pid == 0 {
		return 0, 0, fmt.Errorf("e2e: not running")
	}
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, 0, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) < 2 {
			continue
		}
		kb, _ := strconv.ParseInt(fields[1], 10, 64)
		switch fields[0] {
		case "VmRSS:":
			rss = kb << 10
		case "VmHWM:":
			peak = kb << 10
		}
	}
	return rss, peak, sc.Err()
}

// PanicIn reports the first sign of a Go panic or fatal error in a log.
func PanicIn(log string) (string, bool) {
	for _, marker := range []string{"panic:", "fatal error:", "goroutine 1 [", "SIGSEGV"} {
		if i := strings.Index(log, marker); i >= 0 {
			end := min(len(log), i+2000)
			return log[i:end], true
		}
	}
	return "", false
}
