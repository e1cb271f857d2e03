package consensus_test

import (
	"bytes"
	"testing"

	"github.com/devchain/devchain/chain"
	"github.com/devchain/devchain/consensus"
	"github.com/devchain/devchain/consensus/consensustest"
	"github.com/devchain/devchain/consensus/store"
)

// TestConfigBlockBytes: an engine given Config.BlockBytes takes a block's
// serialization from it (once per block it stores) and stores exactly those
// bytes, as it would its own.
func TestConfigBlockBytes(t *testing.T) {
	h := consensustest.New(t, consensustest.Options{})
	h.NewBlock("a1", "genesis")
	h.NewBlock("a2", "a1")
	calls := map[chain.Hash]int{}
	st := store.NewMemory()
	eng, err := consensus.New(consensus.Config{Params: h.Params, Store: st, BlockBytes: func(b *chain.Block) []byte {
		calls[b.Hash()]++
		return b.Serialize()
	}})
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"a1", "a2"} {
		b := h.Block(name)
		if _, err := eng.ProcessBlock(b, h.Now()); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if calls[b.Hash()] != 1 {
			t.Fatalf("%s: BlockBytes called %d times, want 1", name, calls[b.Hash()])
		}
		raw, err := st.Block(b.Hash())
		if err != nil || !bytes.Equal(raw, b.Serialize()) {
			t.Fatalf("%s: stored %x, %v; want the block's serialization", name, raw, err)
		}
	}
	if tip := eng.Tip(); tip.Hash != h.Block("a2").Hash() {
		t.Fatalf("tip %v, want a2", tip.Hash)
	}
}
