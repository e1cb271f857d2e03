package consensus_test

import (
	"slices"
	"testing"

	"github.com/devchain/devchain/consensus"
	"github.com/devchain/devchain/consensus/consensustest"
	"github.com/devchain/devchain/consensus/store"
)

// TestSharedBlockNumbers: engines on stores that share one block table
// index their blocks at the table's numbers, and each knows only its own
// blocks, whatever order the others numbered them in: a block another
// engine holds is not had, a fork is followed, and the chain tips read the
// same as with an index of the engine's own (a Badger store has none).
func TestSharedBlockNumbers(t *testing.T) {
	h := consensustest.New(t, consensustest.Options{})
	h.NewBlock("a1", "genesis")
	h.NewBlock("a2", "a1")
	h.NewBlock("b2", "a1")
	h.NewBlock("b3", "b2")
	table := store.NewBlockBytes()
	open := func(st store.Store) *consensus.Engine {
		e, err := consensus.New(consensus.Config{Params: h.Params, Store: st})
		if err != nil {
			t.Fatal(err)
		}
		return e
	}
	first := open(store.NewMemoryWith(store.MemoryOptions{Blocks: table}))
	second := open(store.NewMemoryWith(store.MemoryOptions{Blocks: table}))
	own := open(store.NewMemory())
	give := func(e *consensus.Engine, names ...string) {
		for _, name := range names {
			if _, err := e.ProcessBlock(h.Block(name), h.Now()); err != nil {
				t.Fatalf("%s: %v", name, err)
			}
		}
	}
	give(first, "a1", "b2", "b3", "a2") // numbers b2 and b3 before a2
	give(second, "a1", "a2")
	if second.HaveBlock(h.Block("b3").Hash()) || second.HaveBlockOn(h.Block("a2").Hash(), h.Block("b3").Hash()) {
		t.Fatal("second has b3, which only the first engine was given")
	}
	if !second.HaveBlockOn(h.Block("a1").Hash(), h.Block("a2").Hash()) || second.HaveBlockOn(h.Block("a2").Hash(), h.Block("b2").Hash()) {
		t.Fatal("second: HaveBlockOn disagrees with what it was given")
	}
	give(second, "b2", "b3")
	give(own, "a1", "a2", "b2", "b3")
	for _, e := range []*consensus.Engine{first, second, own} {
		if tip := h.BlockName(e.Tip().Hash); tip != "b3" {
			t.Fatalf("tip %s, want b3", tip)
		}
	}
	want := own.ChainTips()
	for i, e := range []*consensus.Engine{first, second} {
		if got := e.ChainTips(); !slices.Equal(got, want) {
			t.Fatalf("engine %d: chain tips %v, want %v", i, got, want)
		}
		if _, ok := e.BlockInfo(h.Block("a2").Hash()); !ok {
			t.Fatalf("engine %d: a2 not found", i)
		}
	}
}
