package consensus

import (
	"errors"
	"slices"

	"github.com/devchain/devchain/chain"
	"github.com/devchain/devchain/consensus/store"
)

// Optional indexes, as btcd's blockchain/indexers: the UTXO set, undo data
// and the block index are the chain; an index only answers queries (where
// a transaction is, what touched an address). Each is an Indexer fed the
// blocks the engine connects and disconnects, and adds its entries to the
// same store update, so an index moves atomically with the chain. With no
// indexer, connecting a block writes only what consensus needs.

// Indexer maintains one optional index.
type Indexer interface {
	// Name names the index in logs and errors.
	Name() string
	// Connect adds to u the entries of b, which joins the active chain.
	Connect(u *store.Update, b *IndexedBlock)
	// Disconnect adds to u the removal of the entries Connect added for b.
	Disconnect(u *store.Update, b *IndexedBlock)
}

// IndexedBlock is a block joining or leaving the active chain, with what
// an index may need that the block alone does not say.
type IndexedBlock struct {
	Block  *chain.Block
	Height uint32
	TxIDs  []chain.Hash
	// Spent[i][j] is the output that input j of transaction i spends
	// (Spent[0], the coinbase's, is nil).
	Spent [][]store.UTXO
}

// ErrNoIndex is returned by a query that needs an index the engine does
// not keep.
var ErrNoIndex = errors.New("consensus: index not kept")

// DefaultIndexers returns the indexes a node keeps unless told otherwise:
// the transaction index (getrawtransaction of a confirmed transaction) and
// the address history (the wallet's history, getaddresshistory).
func DefaultIndexers() []Indexer { return []Indexer{TxIndex{}, AddressHistory{}} }

// TxIndex places every active-chain transaction by txid.
type TxIndex struct{}

// Name implements Indexer.
func (TxIndex) Name() string { return "txindex" }

// Connect implements Indexer.
func (TxIndex) Connect(u *store.Update, b *IndexedBlock) {
	u.AddTxs = append(u.AddTxs, txLocations(b)...)
}

// Disconnect implements Indexer.
func (TxIndex) Disconnect(u *store.Update, b *IndexedBlock) {
	u.DeleteTxs = append(u.DeleteTxs, txLocations(b)...)
}

func txLocations(b *IndexedBlock) []store.TxLocation {
	locs := make([]store.TxLocation, len(b.TxIDs))
	for i, txid := range b.TxIDs {
		locs[i] = store.TxLocation{TxID: txid, Height: b.Height, TxIndex: uint32(i)}
	}
	return locs
}

// AddressHistory records, for every address, the active-chain
// transactions that paid it or spent from it.
type AddressHistory struct{}

// Name implements Indexer.
func (AddressHistory) Name() string { return "addrindex" }

// Connect implements Indexer.
func (AddressHistory) Connect(u *store.Update, b *IndexedBlock) {
	u.AddHistory = append(u.AddHistory, historyEntries(b)...)
}

// Disconnect implements Indexer.
func (AddressHistory) Disconnect(u *store.Update, b *IndexedBlock) {
	u.DeleteHistory = append(u.DeleteHistory, historyEntries(b)...)
}

// historyEntries lists one entry per (transaction, address it touches).
func historyEntries(b *IndexedBlock) []store.HistoryEntry {
	var entries []store.HistoryEntry
	var touched []chain.Address
	for i, tx := range b.Block.Transactions {
		touched = touched[:0]
		if i < len(b.Spent) {
			for _, u := range b.Spent[i] {
				touched = append(touched, u.Address)
			}
		}
		for _, out := range tx.Outputs {
			touched = append(touched, out.Address)
		}
		slices.SortFunc(touched, func(x, y chain.Address) int { return slices.Compare(x[:], y[:]) })
		for _, addr := range slices.Compact(touched) {
			entries = append(entries, store.HistoryEntry{Address: addr, Height: b.Height, TxIndex: uint32(i), TxID: b.TxIDs[i]})
		}
	}
	return entries
}

// keeps reports whether the engine keeps an index of ix's type.
func (e *Engine) keeps(ix Indexer) bool {
	for _, k := range e.indexers {
		if k.Name() == ix.Name() {
			return true
		}
	}
	return false
}
