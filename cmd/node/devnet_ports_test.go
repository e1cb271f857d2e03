package main

import (
	"encoding/json"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestDevnetTakesOtherPortsWhenOneIsTaken: a port the devnet chose (or
// saved) can be taken by another process before its node binds it; the
// devnet says so, gives the node new ports, saves them and starts it.
func TestDevnetTakesOtherPortsWhenOneIsTaken(t *testing.T) {
	if testing.Short() {
		t.Skip("runs a devnet of processes")
	}
	dir := t.TempDir()
	p2pPort := func() int {
		data, err := os.ReadFile(filepath.Join(dir, devnetStateFile))
		if err != nil {
			t.Fatal(err)
		}
		var st devnetState
		if err := json.Unmarshal(data, &st); err != nil {
			t.Fatal(err)
		}
		return st.Nodes[0].P2PPort
	}

	first := startDevnet(t, dir, 1)
	first.cmd.Process.Signal(syscall.SIGINT)
	select {
	case <-first.exited:
	case <-time.After(30 * time.Second):
		t.Fatal("node devnet did not stop on SIGINT")
	}
	taken := p2pPort()
	ln, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", taken))
	if err != nil {
		t.Skipf("the saved port %d was taken by someone else meanwhile: %v", taken, err)
	}
	defer ln.Close()

	second := startDevnet(t, dir, 1) // fails the test if node1 never answers
	if !strings.Contains(second.out.String(), "trying other ports") {
		t.Errorf("the devnet did not say it took other ports:\n%s", second.out.String())
	}
	if now := p2pPort(); now == taken {
		t.Errorf("node1 still has port %d in devnet.json", now)
	}
}
