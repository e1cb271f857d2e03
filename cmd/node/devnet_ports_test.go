package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/devchain/devchain/internal/e2e"
	"github.com/devchain/devchain/rpcclient"
)

// TestDevnetTakesOtherPortsWhenOneIsTaken: a port the devnet chose (or
// saved) can be taken by another process before its node binds it; the
// devnet says so, gives the node new ports, saves them and starts it.
func TestDevnetTakesOtherPortsWhenOneIsTaken(t *testing.T) {
	if testing.Short() {
		t.Skip("runs a devnet of processes")
	}
	dir := t.TempDir()
	bin := filepath.Join(e2e.Binaries(t), "node")
	run := func() (*exec.Cmd, *strings.Builder, chan error) {
		devnet := exec.Command(bin, "devnet", "--dir", dir, "--nodes", "1", "--miners", "0", "--explorer", "off")
		var out strings.Builder
		devnet.Stdout, devnet.Stderr = &out, &out
		if err := devnet.Start(); err != nil {
			t.Fatal(err)
		}
		exited := make(chan error, 1)
		go func() { exited <- devnet.Wait() }()
		e2e.WaitFor(t, 60*time.Second, "node1's RPC", func() bool {
			select {
			case err := <-exited:
				t.Fatalf("node devnet exited: %v\n%s", err, out.String())
			default:
			}
			c, err := rpcclient.FromDatadir(filepath.Join(dir, "node1"))
			return err == nil && c.Call(context.Background(), "getblockcount", nil, new(int)) == nil
		})
		return devnet, &out, exited
	}
	stop := func(devnet *exec.Cmd, exited chan error) {
		devnet.Process.Signal(syscall.SIGINT)
		select {
		case <-exited:
		case <-time.After(30 * time.Second):
			devnet.Process.Kill()
			t.Fatal("node devnet did not stop on SIGINT")
		}
	}
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

	devnet, _, exited := run()
	stop(devnet, exited)
	taken := p2pPort()
	ln, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", taken))
	if err != nil {
		t.Skipf("the saved port %d was taken by someone else meanwhile: %v", taken, err)
	}
	defer ln.Close()

	devnet, out, exited := run()
	defer stop(devnet, exited)
	if !strings.Contains(out.String(), "trying other ports") {
		t.Errorf("the devnet did not say it took other ports:\n%s", out.String())
	}
	if now := p2pPort(); now == taken {
		t.Errorf("node1 still has port %d in devnet.json", now)
	}
}
