package main

import (
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
	path, _ := e2e.WriteGenesis(t, g)
	return path
}

// TestTwoProcessesAgree builds the binaries, starts two `node run`
// processes, mines on each through RPC, checks that their tips agree, and
// stops both with the stop RPC.
func TestTwoProcessesAgree(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs binaries")
	}
	genesis := writeTestGenesis(t)
	a := e2e.StartProc(t, e2e.ProcConfig{Dir: t.TempDir(), Genesis: genesis})
	b := e2e.StartProc(t, e2e.ProcConfig{Dir: t.TempDir(), Genesis: genesis, Peers: []string{a.Addr()}})
	addr := consensustest.Address("miner").Encode("test")

	a.Must(nil, "generatetoaddress", 10, addr)
	e2e.WaitFor(t, 20*time.Second, "b to follow a", func() bool { return a.BestHash() == b.BestHash() })
	b.Must(nil, "generatetoaddress", 5, addr)
	e2e.WaitFor(t, 20*time.Second, "a to follow b", func() bool { return a.BestHash() == b.BestHash() })

	if height := a.Height(); height != 15 {
		t.Fatalf("height %d, want 15", height)
	}
	for _, p := range []*e2e.Proc{a, b} {
		p.Must(nil, "stop")
		if code, exited := p.Wait(30 * time.Second); !exited || code != 0 {
			t.Fatalf("node in %s: exited %v with status %d after stop\n%s", p.Dir(), exited, code, p.Tail(20))
		}
	}
}
