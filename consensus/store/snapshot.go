package store

import (
	"maps"
	"slices"

	"github.com/devchain/devchain/chain"
)

// Reader is the part of a Store that a replay of the chain reads
// (Engine.VerifyChain): blocks, the UTXO set, its address index and the
// address history.
type Reader interface {
	Tip() (chain.Hash, error)
	Block(hash chain.Hash) ([]byte, error)
	ForEachUTXO(fn func(Output) error) error
	AddressUTXOs(addr chain.Address) ([]Output, error)
	ForEachHistory(fn func(HistoryEntry) error) error
}

// Snapshot is a consistent, read-only view of a store at one instant:
// writes made after it was taken do not show in it. Close releases it.
type Snapshot interface {
	Reader
	Close() error
}

// Snapshotter is a Store that can take a Snapshot of itself, so that a long
// read (verifychain) runs while the store goes on taking writes. Memory
// copies itself; Badger opens a read transaction.
type Snapshotter interface {
	Snapshot() (Snapshot, error)
}

// Snapshot implements Snapshotter with a copy of the store (the blocks, whose
// bytes are never changed in place, are shared).
func (m *Memory) Snapshot() (Snapshot, error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	c := &Memory{
		tip:       m.tip,
		table:     m.table,
		blocks:    slices.Clone(m.blocks),
		undo:      maps.Clone(m.undo),
		private:   maps.Clone(m.private),
		utxos:     m.utxos.clone(),
		byAddress: make(map[chain.Address]map[chain.OutPoint]struct{}, len(m.byAddress)),
		history:   make(map[chain.Address]map[[2]uint32]chain.Hash, len(m.history)),
		txs:       maps.Clone(m.txs),

		noAddressIndex: m.noAddressIndex,
	}
	if m.genesis != nil {
		g := *m.genesis
		c.genesis = &g
	}
	for a, ops := range m.byAddress {
		c.byAddress[a] = maps.Clone(ops)
	}
	for a, h := range m.history {
		c.history[a] = maps.Clone(h)
	}
	return c, nil
}
