package bench

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/devchain/devchain/rpcclient"
)

// node is a `node run` child process of the benchmark, driven through its
// JSON-RPC like any user's script would.
type node struct {
	name    string
	dir     string
	cmd     *exec.Cmd
	done    chan struct{}
	rpc     *rpcclient.Client
	p2pAddr string // multiaddr ending in /p2p/<id>
	logFile *os.File
}

// startNode runs `exe run` on a fresh datadir under root with the genesis
// file and the given peers, and waits for its RPC.
func startNode(ctx context.Context, exe, root, name, genesis string, extra []string, peers ...string) (*node, error) {
	dir := filepath.Join(root, name)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	args := []string{"run", "--datadir", dir, "--genesis", genesis, "--mdns=false",
		"--listen", "/ip4/127.0.0.1/tcp/0", "--rpc", "127.0.0.1:0"}
	args = append(args, extra...)
	for _, p := range peers {
		args = append(args, "--peer", p)
	}
	return launch(ctx, exe, dir, name, args)
}

// restartNode runs `exe run` again on an existing datadir.
func restartNode(ctx context.Context, exe string, old *node, extra []string) (*node, error) {
	args := []string{"run", "--datadir", old.dir, "--mdns=false", "--listen", "/ip4/127.0.0.1/tcp/0", "--rpc", "127.0.0.1:0"}
	args = append(args, extra...)
	return launch(ctx, exe, old.dir, old.name, args)
}

func launch(ctx context.Context, exe, dir, name string, args []string) (*node, error) {
	os.Remove(filepath.Join(dir, rpcclient.URLFile))
	logFile, err := os.OpenFile(filepath.Join(dir, "node.log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(exe, args...)
	cmd.Stdout = logFile
	cmd.Stderr = logFile
	if err := cmd.Start(); err != nil {
		logFile.Close()
		return nil, fmt.Errorf("start %s: %w", name, err)
	}
	n := &node{name: name, dir: dir, cmd: cmd, done: make(chan struct{}), logFile: logFile}
	go func() {
		cmd.Wait()
		close(n.done)
	}()
	waitCtx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	c, id, err := rpcclient.AwaitNode(waitCtx, dir, n.done)
	switch {
	case errors.Is(err, rpcclient.ErrNodeExited):
		return nil, fmt.Errorf("%s exited at start (%s); log in %s", name, cmd.ProcessState, filepath.Join(dir, "node.log"))
	case err != nil:
		n.stop()
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, fmt.Errorf("%s: RPC not up after 60 s: %v", name, err)
	}
	n.rpc, n.p2pAddr = c, id.P2PAddresses[0]
	return n, nil
}

func (n *node) call(ctx context.Context, result any, method string, params ...any) error {
	if err := n.rpc.Call(ctx, method, params, result); err != nil {
		return fmt.Errorf("%s: %s: %w", n.name, method, err)
	}
	return nil
}

func (n *node) height(ctx context.Context) (int, error) {
	var h int
	err := n.call(ctx, &h, "getblockcount")
	return h, err
}

func (n *node) bestHash(ctx context.Context) (string, error) {
	var h string
	err := n.call(ctx, &h, "getbestblockhash")
	return h, err
}

// stop asks the node to shut down (SIGTERM), killing it after 20 s.
func (n *node) stop() {
	if n == nil || n.cmd.Process == nil {
		return
	}
	select {
	case <-n.done:
	default:
		_ = n.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-n.done:
		case <-time.After(20 * time.Second):
			_ = n.cmd.Process.Kill()
			<-n.done
		}
	}
	n.logFile.Close()
}

// rssBytes reads a process's resident set size from /proc.
func rssBytes(pid int) (int64, error) { return statusBytes(pid, "VmRSS:") }

// statusBytes reads a size field (in kB) of /proc/PID/status.
func statusBytes(pid int, field string) (int64, error) {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	for line := range strings.SplitSeq(string(data), "\n") {
		if rest, ok := strings.CutPrefix(line, field); ok {
			f := strings.Fields(rest)
			if len(f) < 1 {
				break
			}
			kb, err := strconv.ParseInt(f[0], 10, 64)
			return kb << 10, err
		}
	}
	return 0, errors.New("no " + field + " in /proc status")
}

func (n *node) rss() int64 {
	v, _ := rssBytes(n.cmd.Process.Pid)
	return v
}

// rssAnon is the part of the RSS that is not file pages (Badger's tables
// and logs are memory-mapped: their pages count in the RSS but are the
// kernel's page cache, which it reclaims under pressure).
func (n *node) rssAnon() int64 {
	v, _ := statusBytes(n.cmd.Process.Pid, "RssAnon:")
	return v
}

// freePort returns a TCP port free on loopback right now.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}
