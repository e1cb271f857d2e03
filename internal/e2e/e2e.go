// Package e2e runs the built binaries as a user would: real `node run`
// processes on loopback, driven through their JSON-RPC, and the wallet
// command. Only tests use it.
package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/devchain/devchain/rpcclient"
)

var (
	buildOnce sync.Once
	binDir    string
	buildErr  error
)

// Binaries builds cmd/node and cmd/wallet once per test binary and returns
// the directory holding them.
func Binaries(t testing.TB) string {
	t.Helper()
	buildOnce.Do(func() {
		binDir, buildErr = os.MkdirTemp("", "devchain-bin-")
		if buildErr != nil {
			return
		}
		root, err := moduleRoot()
		if err != nil {
			buildErr = err
			return
		}
		cmd := exec.Command("go", "build", "-o", binDir+string(os.PathSeparator), "./cmd/node", "./cmd/wallet")
		cmd.Dir = root
		if out, err := cmd.CombinedOutput(); err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return binDir
}

func moduleRoot() (string, error) {
	out, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil {
		return "", fmt.Errorf("go env GOMOD: %w", err)
	}
	return filepath.Dir(string(bytes.TrimSpace(out))), nil
}

// Node is a `node run` process.
type Node struct {
	t       testing.TB
	Dir     string
	cmd     *exec.Cmd
	log     *bytes.Buffer
	done    chan struct{}
	RPC     *rpcclient.Client
	PeerID  string
	P2PAddr string
}

// StartNode runs `node run --datadir dir` with extra arguments, waits for
// its RPC to answer and learns its peer address.
func StartNode(t testing.TB, dir string, args ...string) *Node {
	t.Helper()
	bin := filepath.Join(Binaries(t), "node")
	os.Remove(filepath.Join(dir, rpcclient.URLFile))
	full := append([]string{"run", "--datadir", dir, "--mdns=false"}, args...)
	cmd := exec.Command(bin, full...)
	var log bytes.Buffer
	cmd.Stdout = &lockedWriter{buf: &log}
	cmd.Stderr = cmd.Stdout
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	n := &Node{t: t, Dir: dir, cmd: cmd, log: &log, done: make(chan struct{})}
	go func() {
		cmd.Wait()
		close(n.done)
	}()
	t.Cleanup(func() { n.Kill() })
	deadline := time.Now().Add(30 * time.Second)
	for {
		c, err := rpcclient.FromDatadir(dir)
		if err == nil {
			var info struct {
				PeerID         string   `json:"peerid"`
				LocalAddresses []string `json:"localaddresses"`
			}
			if err = c.Call(context.Background(), "getnetworkinfo", nil, &info); err == nil {
				n.RPC, n.PeerID = c, info.PeerID
				if len(info.LocalAddresses) > 0 {
					n.P2PAddr = info.LocalAddresses[0]
				}
				return n
			}
		}
		select {
		case <-n.done:
			t.Fatalf("node in %s exited: %s\n%s", dir, n.cmd.ProcessState, n.Log())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("node in %s did not answer RPC: %v\n%s", dir, err, n.Log())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// Log returns what the process printed so far.
func (n *Node) Log() string {
	lw := n.cmd.Stdout.(*lockedWriter)
	lw.mu.Lock()
	defer lw.mu.Unlock()
	return n.log.String()
}

// Call invokes an RPC method and fails the test on error.
func (n *Node) Call(method string, params ...any) json.RawMessage {
	n.t.Helper()
	raw, err := n.RPC.CallRaw(context.Background(), method, params)
	if err != nil {
		n.t.Fatalf("%s %v: %v", method, params, err)
	}
	return raw
}

// CallInto invokes an RPC method and decodes its result.
func (n *Node) CallInto(result any, method string, params ...any) {
	n.t.Helper()
	if err := json.Unmarshal(n.Call(method, params...), result); err != nil {
		n.t.Fatalf("%s: decode: %v", method, err)
	}
}

// BestHash returns the node's tip hash.
func (n *Node) BestHash() string {
	n.t.Helper()
	var h string
	n.CallInto(&h, "getbestblockhash")
	return h
}

// Stop asks the node to stop over RPC and waits for the process to exit.
func (n *Node) Stop() {
	n.t.Helper()
	n.Call("stop")
	n.Wait(30 * time.Second)
}

// Wait waits for the process to exit.
func (n *Node) Wait(timeout time.Duration) {
	n.t.Helper()
	select {
	case <-n.done:
	case <-time.After(timeout):
		n.t.Fatalf("node in %s did not exit\n%s", n.Dir, n.Log())
	}
}

// Kill sends SIGKILL (no clean shutdown) and waits for the exit.
func (n *Node) Kill() {
	select {
	case <-n.done:
		return
	default:
	}
	n.cmd.Process.Kill()
	<-n.done
}

// Exited reports whether the process has ended.
func (n *Node) Exited() bool {
	select {
	case <-n.done:
		return true
	default:
		return false
	}
}

// WaitFor polls cond until it holds or the deadline passes.
func WaitFor(t testing.TB, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", timeout, what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

type lockedWriter struct {
	mu  sync.Mutex
	buf *bytes.Buffer
}

func (w *lockedWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.Write(p)
}

// Run runs one of the built commands (node or wallet) to completion and
// returns its stdout, stderr and exit status.
func Run(t testing.TB, command string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	cmd := exec.Command(filepath.Join(Binaries(t), command), args...)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	var exit *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &exit):
		code = exit.ExitCode()
	default:
		t.Fatalf("%s %v: %v", command, args, err)
	}
	return out.String(), errOut.String(), code
}

// LastLine returns the last non-empty line of s.
func LastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return strings.TrimSpace(lines[len(lines)-1])
}
