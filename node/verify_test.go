package node

import (
	"context"
	"testing"
	"time"

	"github.com/devchain/devchain/consensus/consensustest"
)

// VerifyChain holds the node only to take its snapshot: blocks are mined
// and connected while the replay runs, and the replay still verifies the
// chain as it was when it started.
func TestVerifyChainDoesNotStallBlocks(t *testing.T) {
	n := newCluster(t, testParams(t)).add()
	addr := consensustest.Address("miner")
	ctx := context.Background()
	if _, err := n.GenerateToAddress(ctx, 20, addr); err != nil {
		t.Fatal(err)
	}

	mined := make(chan error, 1)
	testHookVerifyReplay = func() {
		go func() {
			_, err := n.GenerateToAddress(ctx, 5, addr)
			mined <- err
		}()
		select {
		case err := <-mined:
			if err != nil {
				t.Errorf("mining during verifychain: %v", err)
			}
		case <-time.After(30 * time.Second):
			t.Error("no block could be connected while verifychain ran")
		}
	}
	t.Cleanup(func() { testHookVerifyReplay = nil })

	if err := n.VerifyChain(); err != nil {
		t.Fatalf("verifychain: %v", err)
	}
	if h := n.Tip().Height; h != 25 {
		t.Fatalf("tip height %d after verifychain, want 25", h)
	}
	testHookVerifyReplay = nil
	if err := n.VerifyChain(); err != nil {
		t.Fatalf("verifychain at height 25: %v", err)
	}
}
