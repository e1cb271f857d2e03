package consensus_test

import (
	"slices"
	"testing"

	"github.com/devchain/devchain/chain"
	"github.com/devchain/devchain/consensus"
	"github.com/devchain/devchain/consensus/consensustest"
	"github.com/devchain/devchain/consensus/store"
)

// TestConfigBlockIDs: an engine given Config.BlockIDs takes a block's hash
// and txids from it instead of hashing, and reaches the same verdicts,
// chain and UTXO set as an engine that hashes: through an orphan adopted
// when its parent arrives, a payment, and a reorg to a longer branch.
//
//	genesis -> a1 (alice pays bob) -> a2
//	       \-> b1 -> b2 -> b3
func TestConfigBlockIDs(t *testing.T) {
	h := consensustest.New(t, consensustest.Options{})
	h.NewTx("to-bob", consensustest.Spend("genesis.cb:0"), consensustest.Pay("bob", 10*chain.UnitsPerCoin), consensustest.ChangeTo("alice"))
	h.NewBlock("a1", "genesis", consensustest.Txs("to-bob"))
	h.NewBlock("a2", "a1")
	h.NewBlock("b1", "genesis")
	h.NewBlock("b2", "b1")
	h.NewBlock("b3", "b2")
	order := []string{"a2", "a1", "b1", "b3", "b2"} // a2 and b3 wait as orphans

	asked := map[*chain.Block]int{}
	hooked := func(b *chain.Block) (chain.Hash, []chain.Hash) {
		asked[b]++
		return b.Hash(), b.TxIDs()
	}
	run := func(ids func(*chain.Block) (chain.Hash, []chain.Hash)) ([]string, []store.Output, chain.Hash) {
		st := store.NewMemory()
		eng, err := consensus.New(consensus.Config{Params: h.Params, Store: st, BlockIDs: ids})
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, name := range order {
			res, err := eng.ProcessBlock(h.Block(name), h.Now())
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			got = append(got, name+":"+res.Status.String())
			for _, o := range res.Orphans {
				got = append(got, "  adopted "+o.Hash.String()+":"+o.Status.String())
			}
		}
		var utxos []store.Output
		if err := st.ForEachUTXO(func(o store.Output) error { utxos = append(utxos, o); return nil }); err != nil {
			t.Fatal(err)
		}
		return got, utxos, eng.Tip().Hash
	}
	wantStory, wantUTXOs, wantTip := run(nil)
	gotStory, gotUTXOs, gotTip := run(hooked)
	if !slices.Equal(gotStory, wantStory) || !slices.Equal(gotUTXOs, wantUTXOs) || gotTip != wantTip {
		t.Fatalf("with BlockIDs: %q, tip %s, %d utxos; without: %q, tip %s, %d utxos",
			gotStory, gotTip, len(gotUTXOs), wantStory, wantTip, len(wantUTXOs))
	}
	if gotTip != h.Block("b3").Hash() {
		t.Fatalf("tip %s, want b3", gotTip)
	}
	for _, name := range order {
		// once when given, once more for an orphan when adopted
		want := 1
		if name == "a2" || name == "b3" {
			want = 2
		}
		if n := asked[h.Block(name)]; n != want {
			t.Errorf("%s: BlockIDs asked %d times, want %d", name, n, want)
		}
	}
}
