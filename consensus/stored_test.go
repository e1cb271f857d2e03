package consensus_test

import (
	"errors"
	"slices"
	"testing"

	"github.com/devchain/devchain/chain"
	"github.com/devchain/devchain/consensus"
	"github.com/devchain/devchain/consensus/consensustest"
	"github.com/devchain/devchain/consensus/store"
)

// bitFlipStore hands out one block with a bit flipped in its last byte
// (inside its last transaction: the header, and so the hash, is intact),
// as a damaged disk would.
type bitFlipStore struct {
	store.Store
	damaged *chain.Hash
}

func (s *bitFlipStore) Block(hash chain.Hash) ([]byte, error) {
	data, err := s.Store.Block(hash)
	if err == nil && s.damaged != nil && hash == *s.damaged {
		data = slices.Clone(data)
		data[len(data)-1] ^= 0x01
	}
	return data, err
}

// TestDamagedBlockNeverUsed: a stored block whose transactions no longer
// give its Merkle root is refused as ErrCorrupt when read for a caller,
// for a peer (BlockBytes) and for a reorg, which then does not happen.
//
//	genesis -> a1 (alice pays bob) -> a2          (a1 is damaged on disk)
//	       \-> b1 -> b2 -> b3
func TestDamagedBlockNeverUsed(t *testing.T) {
	flip := &bitFlipStore{Store: store.NewMemory()}
	h := consensustest.New(t, consensustest.Options{Store: func() (store.Store, error) { return flip, nil }})
	h.NewTx("to-bob", consensustest.Spend("genesis.cb:0"), consensustest.Pay("bob", 10*chain.UnitsPerCoin), consensustest.ChangeTo("alice"))
	h.NewBlock("a1", "genesis", consensustest.Txs("to-bob"))
	h.NewBlock("a2", "a1")
	h.NewBlock("b1", "genesis")
	h.NewBlock("b2", "b1")
	h.NewBlock("b3", "b2")
	for _, name := range []string{"a1", "a2", "b1", "b2"} {
		h.Accept(name)
	}
	a2 := h.Block("a2").Hash()
	flip.damaged = &a2

	if _, err := h.Engine.Block(a2); !errors.Is(err, store.ErrCorrupt) {
		t.Fatalf("Block of a damaged block: %v, want ErrCorrupt", err)
	}
	if data, err := h.Engine.BlockBytes(a2); !errors.Is(err, store.ErrCorrupt) || data != nil {
		t.Fatalf("BlockBytes of a damaged block: %d bytes, %v; want nothing served and ErrCorrupt", len(data), err)
	}
	// The reorg to b3 must disconnect a2, which it cannot read back.
	_, err := h.Engine.ProcessBlock(h.Block("b3"), h.Now())
	var re *consensus.RuleError
	if !errors.Is(err, store.ErrCorrupt) || errors.As(err, &re) {
		t.Fatalf("reorg over a damaged block: %v, want ErrCorrupt and no rule verdict", err)
	}
	if tip := h.Engine.Tip().Hash; tip != a2 {
		t.Fatalf("tip %s after the failed reorg, want a2 %s", tip, a2)
	}
	if h.Engine.Halted() == nil {
		t.Fatal("a block that cannot be read back did not halt the engine")
	}
}

// failingStore fails every Apply once armed, as a full or broken disk.
type failingStore struct {
	store.Store
	fail bool
}

var errDiskBroken = errors.New("test: write failed")

func (s *failingStore) Apply(u *store.Update) error {
	if s.fail {
		return errDiskBroken
	}
	return s.Store.Apply(u)
}

// TestStoreFailureHaltsEngine: once a store write failed, the engine's
// index may be ahead of the disk, so it changes nothing more (Bitcoin
// Core's AbortNode): later blocks, headers, invalidateblock and
// reconsiderblock get ErrHalted, and the tip stays where the disk is.
func TestStoreFailureHaltsEngine(t *testing.T) {
	fs := &failingStore{Store: store.NewMemory()}
	h := consensustest.New(t, consensustest.Options{Store: func() (store.Store, error) { return fs, nil }})
	h.NewBlock("a1", "genesis")
	h.NewBlock("a2", "a1")
	h.NewBlock("a3", "a2")
	h.Accept("a1")
	fs.fail = true
	if _, err := h.Engine.ProcessBlock(h.Block("a2"), h.Now()); !errors.Is(err, errDiskBroken) {
		t.Fatalf("connect with a failing store: %v, want the write error", err)
	}
	if h.Engine.Halted() == nil {
		t.Fatal("engine not halted after a failed write")
	}
	fs.fail = false // the disk recovers: the engine still must not go on
	if _, err := h.Engine.ProcessBlock(h.Block("a3"), h.Now()); !errors.Is(err, consensus.ErrHalted) {
		t.Fatalf("block after the failure: %v, want ErrHalted", err)
	}
	a3 := h.Block("a3").Header
	if _, err := h.Engine.ProcessHeader(&a3, h.Now()); !errors.Is(err, consensus.ErrHalted) {
		t.Fatalf("header after the failure: %v, want ErrHalted", err)
	}
	if _, err := h.Engine.InvalidateBlock(h.Block("a1").Hash()); !errors.Is(err, consensus.ErrHalted) {
		t.Fatalf("invalidateblock after the failure: %v, want ErrHalted", err)
	}
	if _, err := h.Engine.ReconsiderBlock(h.Block("a1").Hash()); !errors.Is(err, consensus.ErrHalted) {
		t.Fatalf("reconsiderblock after the failure: %v, want ErrHalted", err)
	}
	if tip, _ := fs.Tip(); tip != h.Block("a1").Hash() {
		t.Fatalf("store tip %s, want a1", tip)
	}
}
