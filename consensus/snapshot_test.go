package consensus_test

import (
	"fmt"
	"testing"

	"github.com/devchain/devchain/consensus/consensustest"
)

// A chain snapshot taken at one tip verifies against that tip while the
// engine goes on connecting blocks and reorganising: what it reads (blocks,
// UTXO set, address index and history) is the store as it was when it was
// taken, on Badger (a read transaction) as in memory (a copy).
func TestSnapshotVerifiesWhileTheChainMovesOn(t *testing.T) {
	stores := map[string]func(testing.TB) consensustest.StoreOpener{
		"memory": func(testing.TB) consensustest.StoreOpener { return consensustest.MemoryStore() },
		"badger": consensustest.BadgerStore,
	}
	for name, open := range stores {
		t.Run(name, func(t *testing.T) {
			h := consensustest.New(t, consensustest.Options{Store: open(t)})
			parent := consensustest.GenesisName
			for i := 1; i <= 5; i++ {
				name := fmt.Sprintf("a%d", i)
				h.NewBlock(name, parent)
				h.Accept(name)
				parent = name
			}
			snap, err := h.Engine.SnapshotChain()
			if err != nil {
				t.Fatal(err)
			}
			defer snap.Close()
			if snap.Height() != 5 {
				t.Fatalf("snapshot at height %d, want 5", snap.Height())
			}

			// The chain moves on: a branch from a3 overtakes a4, a5, then
			// grows past them.
			parent = "a3"
			for i := 4; i <= 8; i++ {
				name := fmt.Sprintf("b%d", i)
				h.NewBlock(name, parent, consensustest.CoinbaseTo("bob"))
				h.Accept(name)
				parent = name
			}
			h.AssertTip("b8")

			if err := snap.Verify(); err != nil {
				t.Fatalf("snapshot at a5 after the reorg to b8: %v", err)
			}
			if err := h.Engine.VerifyChain(); err != nil {
				t.Fatalf("live chain: %v", err)
			}
		})
	}
}
