package main

import (
	"bufio"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/devchain/devchain/internal/e2e"
)

// TestNodeStopsWhenItsParentDies: a node started with parentPIDEnv stops
// cleanly when that parent dies, without any parent-death signal: here the
// parent is a shell (which sets none) killed with kill -9.
func TestNodeStopsWhenItsParentDies(t *testing.T) {
	if testing.Short() {
		t.Skip("runs node processes")
	}
	dir := t.TempDir()
	genesis, err := filepath.Abs(filepath.Join("..", "..", "genesis.json"))
	if err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(e2e.Binaries(t), "node")
	logPath := filepath.Join(dir, "node.log")
	// The shell starts the node in the background with its own pid in the
	// environment, prints the node's pid and waits.
	sh := exec.Command("sh", "-c", `DEVCHAIN_PARENT_PID=$$ "$0" run --datadir "$1" --genesis "$2" --mdns=false >"$3" 2>&1 & echo $!; wait`,
		bin, filepath.Join(dir, "node"), genesis, logPath)
	out, err := sh.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := sh.Start(); err != nil {
		t.Fatal(err)
	}
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		t.Fatal(err)
	}
	pid, err := strconv.Atoi(strings.TrimSpace(line))
	if err != nil {
		t.Fatalf("node pid %q", line)
	}
	t.Cleanup(func() { syscall.Kill(pid, syscall.SIGKILL) })
	e2e.WaitFor(t, 30*time.Second, "the node to start", func() bool {
		_, held := chainLockHolder(filepath.Join(dir, "node"))
		return held
	})
	sh.Process.Signal(syscall.SIGKILL)
	sh.Wait()
	e2e.WaitFor(t, 30*time.Second, "the node to stop after its parent died", func() bool {
		_, held := chainLockHolder(filepath.Join(dir, "node"))
		return !held && !running(pid)
	})
	log, _ := os.ReadFile(logPath)
	if !strings.Contains(string(log), "reason=\"parent exited\"") || !strings.Contains(string(log), "msg=node_stopped") {
		t.Errorf("node log does not show a clean stop for its parent:\n%s", log)
	}
}
