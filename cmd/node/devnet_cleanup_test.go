package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/devchain/devchain/internal/e2e"
	"github.com/devchain/devchain/rpcclient"
)

// syncBuffer collects a process's output while it runs.
type syncBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// devnetProc is a `node devnet` process of a test.
type devnetProc struct {
	cmd    *exec.Cmd
	out    *syncBuffer
	exited chan struct{}
	code   int
}

func startDevnet(t *testing.T, dir string, nodes int) *devnetProc {
	t.Helper()
	bin := filepath.Join(e2e.Binaries(t), "node")
	p := &devnetProc{out: &syncBuffer{}, exited: make(chan struct{})}
	p.cmd = exec.Command(bin, "devnet", "--dir", dir, "--nodes", fmt.Sprint(nodes), "--miners", "1", "--explorer", "off")
	p.cmd.Stdout, p.cmd.Stderr = p.out, p.out
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		p.cmd.Wait()
		p.code = p.cmd.ProcessState.ExitCode()
		close(p.exited)
	}()
	t.Cleanup(func() {
		p.cmd.Process.Signal(syscall.SIGINT)
		select {
		case <-p.exited:
		case <-time.After(30 * time.Second):
			p.cmd.Process.Kill()
		}
	})
	e2e.WaitFor(t, 60*time.Second, "the devnet's nodes to answer", func() bool {
		select {
		case <-p.exited:
			t.Fatalf("node devnet exited: %s", p.out.String())
		default:
		}
		for i := range nodes {
			c, err := rpcclient.FromDatadir(filepath.Join(dir, fmt.Sprintf("node%d", i+1)))
			if err != nil || c.Call(context.Background(), "getblockcount", nil, new(int)) != nil {
				return false
			}
		}
		return true
	})
	return p
}

// nodePIDs returns the pids of the processes holding the nodes' stores.
func nodePIDs(t *testing.T, dir string, nodes int) []int {
	t.Helper()
	var pids []int
	for i := range nodes {
		pid, held := chainLockHolder(filepath.Join(dir, fmt.Sprintf("node%d", i+1)))
		if !held || pid <= 0 {
			t.Fatalf("node%d: store not held by a process", i+1)
		}
		pids = append(pids, pid)
	}
	return pids
}

// running reports whether a process exists and is not a zombie (a node
// handed to an init that does not reap is gone all the same).
func running(pid int) bool {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return false
	}
	// pid (comm) STATE ...: comm may hold spaces; the state follows the last ')'.
	s := string(data)
	i := strings.LastIndexByte(s, ')')
	return i < 0 || i+2 >= len(s) || s[i+2] != 'Z'
}

// waitNodesGone waits until no node of the devnet runs and every store is
// free.
func waitNodesGone(t *testing.T, dir string, pids []int, why string) {
	t.Helper()
	e2e.WaitFor(t, 30*time.Second, "the nodes to stop after "+why, func() bool {
		for i, pid := range pids {
			if _, held := chainLockHolder(filepath.Join(dir, fmt.Sprintf("node%d", i+1))); held || running(pid) {
				return false
			}
		}
		return true
	})
}

// TestDevnetLeavesNoNodeBehind: a devnet killed with kill -9, or whose
// terminal closes (SIGHUP), stops its nodes; a node still running on a
// devnet datadir is stopped cleanly by the next devnet; a second devnet on
// a running devnet's directory is refused with the process that runs it.
func TestDevnetLeavesNoNodeBehind(t *testing.T) {
	if testing.Short() {
		t.Skip("runs devnets of processes")
	}
	dir := t.TempDir()
	const nodes = 2

	// kill -9: the kernel's parent-death signal and the nodes' own watch
	// of their parent stop them, each closing its store.
	first := startDevnet(t, dir, nodes)
	pids := nodePIDs(t, dir, nodes)
	first.cmd.Process.Signal(syscall.SIGKILL)
	<-first.exited
	waitNodesGone(t, dir, pids, "kill -9 of node devnet")
	for i := range nodes {
		log, _ := os.ReadFile(filepath.Join(dir, fmt.Sprintf("node%d", i+1), "node.log"))
		if !strings.Contains(string(log), "msg=node_stopped") {
			t.Errorf("node%d did not stop cleanly:\n%s", i+1, log)
		}
	}

	// A node left running on node1 (started by hand here) is stopped by
	// the next devnet, which then runs its own.
	leftover := exec.Command(filepath.Join(e2e.Binaries(t), "node"), "run", "--datadir", filepath.Join(dir, "node1"), "--mdns=false")
	if err := leftover.Start(); err != nil {
		t.Fatal(err)
	}
	leftoverDone := make(chan error, 1)
	go func() { leftoverDone <- leftover.Wait() }()
	t.Cleanup(func() { leftover.Process.Kill() })
	e2e.WaitFor(t, 30*time.Second, "the leftover node to hold node1", func() bool {
		_, held := chainLockHolder(filepath.Join(dir, "node1"))
		return held
	})
	second := startDevnet(t, dir, nodes)
	select {
	case err := <-leftoverDone:
		if err != nil {
			t.Errorf("leftover node: %v (want a clean stop)", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("leftover node still running")
	}
	if want := fmt.Sprintf("a node of an earlier run (process %d) still holds", leftover.Process.Pid); !strings.Contains(second.out.String(), want) {
		t.Errorf("devnet output lacks %q:\n%s", want, second.out.String())
	}

	// A second devnet on the same directory says who runs it.
	stdout, stderr, code := e2e.Run(t, "node", "devnet", "--dir", dir, "--nodes", fmt.Sprint(nodes), "--explorer", "off")
	if want := fmt.Sprintf("is run by another node devnet (process %d)", second.cmd.Process.Pid); code != 1 || !strings.Contains(stderr, want) {
		t.Errorf("second devnet: exit %d, stdout %q, stderr %q; want exit 1 and %q", code, stdout, stderr, want)
	}

	// SIGHUP, as when its terminal closes: the devnet stops its nodes and
	// exits cleanly.
	pids = nodePIDs(t, dir, nodes)
	second.cmd.Process.Signal(syscall.SIGHUP)
	select {
	case <-second.exited:
	case <-time.After(30 * time.Second):
		t.Fatal("node devnet ignored SIGHUP")
	}
	if second.code != 0 || !strings.Contains(second.out.String(), "devnet stopped") {
		t.Errorf("devnet after SIGHUP: exit %d\n%s", second.code, second.out.String())
	}
	waitNodesGone(t, dir, pids, "SIGHUP of node devnet")
}
