package main

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/devchain/devchain/consensus/consensustest"
	"github.com/devchain/devchain/internal/e2e"
)

// writeTestGenesis writes the harness genesis without retargeting.
func writeTestGenesis(t *testing.T) string {
	t.Helper()
	g := consensustest.TestGenesis()
	g.RetargetIntervalBlocks = 0
	data, err := jsonMarshal(g)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "genesis.json")
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestTwoProcessesAgree builds the binaries, starts two `node run`
// processes, mines on each through RPC and checks that their tips agree.
func TestTwoProcessesAgree(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs binaries")
	}
	genesis := writeTestGenesis(t)
	a := e2e.StartNode(t, t.TempDir(), "--genesis", genesis)
	b := e2e.StartNode(t, t.TempDir(), "--genesis", genesis, "--peer", a.P2PAddr)
	addr := consensustest.Address("miner").Encode("test")

	a.Call("generatetoaddress", 10, addr)
	e2e.WaitFor(t, 20*time.Second, "b to follow a", func() bool { return a.BestHash() == b.BestHash() })
	b.Call("generatetoaddress", 5, addr)
	e2e.WaitFor(t, 20*time.Second, "a to follow b", func() bool { return a.BestHash() == b.BestHash() })

	var count int
	a.CallInto(&count, "getblockcount")
	if count != 15 {
		t.Fatalf("height %d, want 15", count)
	}
	a.Stop()
	b.Stop()
}
