package consensustest_test

import (
	"testing"

	"github.com/devchain/devchain/chain"
	"github.com/devchain/devchain/consensus"
	"github.com/devchain/devchain/consensus/consensustest"
)

// TestDoubleSpendRace is the README's example: alice pays bob on one
// branch and carol on the other; the branch with more work wins, and with
// it the payment it carries.
//
//	genesis -> a1 (alice pays bob) -> a2
//	       \-> b1 (alice pays carol) -> b2 -> b3
func TestDoubleSpendRace(t *testing.T) {
	h := consensustest.New(t, consensustest.Options{Store: consensustest.BadgerStore(t)})
	coins := func(n int64) int64 { return n * chain.UnitsPerCoin }

	// Two transactions spending alice's genesis allocation (output 0).
	h.NewTx("to-bob", consensustest.Spend("genesis.cb:0"), consensustest.Pay("bob", coins(10)), consensustest.ChangeTo("alice"))
	h.NewTx("to-carol", consensustest.Spend("genesis.cb:0"), consensustest.Pay("carol", coins(10)), consensustest.ChangeTo("alice"))

	h.NewBlock("a1", "genesis", consensustest.Txs("to-bob"))
	h.NewBlock("a2", "a1")
	h.NewBlock("b1", "genesis", consensustest.Txs("to-carol"))
	h.NewBlock("b2", "b1")
	h.NewBlock("b3", "b2")

	for _, name := range []string{"a1", "a2", "b1", "b2"} {
		h.Accept(name)
	}
	h.AssertTip("a2") // equal work: the branch seen first stays
	h.AssertBalance("bob", coins(110))

	res := h.Accept("b3") // more work: reorganise onto b
	h.AssertTip("b3")
	if len(res.Disconnected) != 2 || len(res.Connected) != 3 {
		t.Fatalf("reorg disconnected %d and connected %d blocks, want 2 and 3", len(res.Disconnected), len(res.Connected))
	}
	h.AssertBalance("carol", coins(10))
	h.AssertBalance("bob", coins(100)) // only his own allocation: to-bob is gone

	// A block spending alice's output again on the winning branch is invalid.
	h.NewTx("again", consensustest.Spend("genesis.cb:0"), consensustest.Pay("mallory", coins(1)), consensustest.ChangeTo("alice"))
	h.NewBlock("b4", "b3", consensustest.Txs("again"))
	h.Reject("b4", consensus.ErrMissingTxOut)

	h.Verify() // the stored UTXO set and address index equal a replay from genesis
}
