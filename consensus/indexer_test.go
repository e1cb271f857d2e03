package consensus_test

import (
	"errors"
	"testing"

	"github.com/devchain/devchain/chain"
	"github.com/devchain/devchain/consensus"
	"github.com/devchain/devchain/consensus/consensustest"
	"github.com/devchain/devchain/consensus/store"
)

// countingStore counts the index entries of every update it applies.
type countingStore struct {
	store.Store
	history, txs, utxo int
}

func (s *countingStore) Apply(u *store.Update) error {
	s.history += len(u.AddHistory) + len(u.DeleteHistory)
	s.txs += len(u.AddTxs) + len(u.DeleteTxs)
	s.utxo += len(u.Add) + len(u.Remove)
	return s.Store.Apply(u)
}

// indexStory connects a payment, then reorganises it away, on an engine
// keeping the given indexers, and returns the store's counts.
//
//	genesis -> a1 (alice pays bob) -> a2
//	       \-> b1 -> b2 -> b3
func indexStory(t *testing.T, ixs []consensus.Indexer) (*countingStore, *consensustest.Harness) {
	cs := &countingStore{Store: store.NewMemory()}
	h := consensustest.New(t, consensustest.Options{Store: func() (store.Store, error) { return cs, nil }, Indexers: ixs})
	h.NewTx("to-bob", consensustest.Spend("genesis.cb:0"), consensustest.Pay("bob", 10*chain.UnitsPerCoin), consensustest.ChangeTo("alice"))
	h.NewBlock("a1", "genesis", consensustest.Txs("to-bob"))
	h.NewBlock("a2", "a1")
	h.NewBlock("b1", "genesis")
	h.NewBlock("b2", "b1")
	h.NewBlock("b3", "b2")
	for _, name := range []string{"a1", "a2", "b1", "b2", "b3"} {
		h.Accept(name)
	}
	h.AssertTip("b3")
	if err := h.Engine.VerifyChain(); err != nil {
		t.Fatalf("verifychain: %v", err)
	}
	return cs, h
}

// TestIndexersOptional: the address history and the transaction index
// are indexers fed by connects and disconnects. Without them a connect
// writes no index entry (only the UTXO set and undo data), queries that
// need one say so, and verifychain still holds; with them (the default)
// both follow a reorg.
func TestIndexersOptional(t *testing.T) {
	with, h := indexStory(t, nil)
	if with.history == 0 || with.txs == 0 {
		t.Fatalf("default indexers wrote %d history and %d tx index entries, want some", with.history, with.txs)
	}
	if _, ok, _ := h.Engine.TxLocation(h.Tx("to-bob").TxID()); ok {
		t.Fatal("the transaction index still places a transaction the reorg disconnected")
	}
	hist, err := h.Engine.AddressHistory(consensustest.Address("bob"))
	if err != nil || len(hist) != 1 {
		t.Fatalf("bob's history after the reorg: %v, %v; want his genesis allocation only", hist, err)
	}

	without, h := indexStory(t, []consensus.Indexer{})
	if without.history != 0 || without.txs != 0 {
		t.Fatalf("without indexers: %d history and %d tx index entries written, want none", without.history, without.txs)
	}
	if without.utxo != with.utxo {
		t.Fatalf("UTXO writes %d without indexers, %d with: the chain itself must not change", without.utxo, with.utxo)
	}
	if _, err := h.Engine.AddressHistory(consensustest.Address("bob")); !errors.Is(err, consensus.ErrNoIndex) {
		t.Fatalf("address history without its index: %v, want ErrNoIndex", err)
	}
	if _, ok, err := h.Engine.TxLocation(h.Block("b1").Transactions[0].TxID()); ok || err != nil {
		t.Fatalf("tx location without the index: found %v, %v", ok, err)
	}
	t.Logf("entries written (genesis, 6 connects, 2 disconnects): %d with the indexers, %d without",
		with.history+with.txs+with.utxo, without.utxo)
}
