package consensus

import (
	"fmt"
	"math/big"

	"github.com/devchain/devchain/chain"
	"github.com/devchain/devchain/consensus/store"
)

// BlockInfo describes a block the index holds.
type BlockInfo struct {
	Hash       chain.Hash
	Header     chain.BlockHeader
	Height     uint32
	ChainWork  *big.Int // cumulative work up to and including the block
	MedianTime uint32   // median time past of the block and its 10 parents
	HaveData   bool     // the block's transactions are stored
	Valid      bool     // the block was fully validated
	Invalid    bool     // the block or an ancestor is invalid
	MainChain  bool     // the block is on the active chain
}

func (e *Engine) info(n *blockNode) BlockInfo {
	return BlockInfo{
		Hash:       n.hash,
		Header:     n.header,
		Height:     n.height,
		ChainWork:  new(big.Int).Set(&n.work),
		MedianTime: e.medianTimePast(n),
		HaveData:   n.status.Has(store.StatusHaveData),
		Valid:      n.status.Has(store.StatusValid),
		Invalid:    n.failed(),
		MainChain:  e.onMainChain(n),
	}
}

// Params returns the chain's parameters.
func (e *Engine) Params() *Params { return e.params }

// Tip describes the tip of the active chain.
func (e *Engine) Tip() BlockInfo { return e.info(e.tip()) }

// BestHeaderHeight returns the greatest height of any header the engine
// holds, valid or not, with or without its block (getblockchaininfo's
// "headers").
func (e *Engine) BestHeaderHeight() uint32 { return e.bestHeaderHeight }

// Height returns the height of the active chain.
func (e *Engine) Height() uint32 { return e.tip().height }

// BlockInfo describes the block with the given hash.
func (e *Engine) BlockInfo(hash chain.Hash) (BlockInfo, bool) {
	n := e.index.get(hash)
	if n == nil {
		return BlockInfo{}, false
	}
	return e.info(n), true
}

// MainChainHash returns the hash of the active chain's block at height.
func (e *Engine) MainChainHash(height uint32) (chain.Hash, bool) {
	if int(height) >= len(e.main) {
		return chain.Hash{}, false
	}
	return e.main[height].hash, true
}

// Block returns a stored block. Like every query method it only reads, so
// callers may run queries concurrently with each other (not with changes).
func (e *Engine) Block(hash chain.Hash) (*chain.Block, error) {
	data, err := e.rawBlock(hash)
	if err != nil {
		return nil, err
	}
	return decodeStored(hash, data)
}

// BlockBytes returns a stored block's serialization, verified as Block
// verifies it: what a peer is served.
func (e *Engine) BlockBytes(hash chain.Hash) ([]byte, error) {
	data, err := e.rawBlock(hash)
	if err != nil {
		return nil, err
	}
	if _, err := decodeStored(hash, data); err != nil {
		return nil, err
	}
	return data, nil
}

// rawBlock reads a block's bytes from the store, unverified.
func (e *Engine) rawBlock(hash chain.Hash) ([]byte, error) {
	n := e.index.get(hash)
	if n == nil || !n.status.Has(store.StatusHaveData) {
		return nil, fmt.Errorf("%w: %s", ErrUnknownBlock, hash)
	}
	data, err := e.store.Block(hash)
	if err != nil {
		return nil, fmt.Errorf("consensus: read block %s: %w", hash, err)
	}
	return data, nil
}

// NextBits returns the bits a child of the given block must carry.
func (e *Engine) NextBits(parent chain.Hash) (uint32, error) {
	n := e.index.get(parent)
	if n == nil {
		return 0, fmt.Errorf("%w: %s", ErrUnknownBlock, parent)
	}
	return e.nextBits(n), nil
}

// UTXO returns the unspent output at op on the active chain.
func (e *Engine) UTXO(op chain.OutPoint) (UTXO, bool, error) { return e.store.UTXO(op) }

// AddressUTXOs returns the unspent outputs paying addr on the active chain.
func (e *Engine) AddressUTXOs(addr chain.Address) ([]store.Output, error) {
	return e.store.AddressUTXOs(addr)
}

// AddressHistory returns the active chain's transactions touching addr,
// or ErrNoIndex when the engine does not keep the address history.
func (e *Engine) AddressHistory(addr chain.Address) ([]store.HistoryEntry, error) {
	if !e.keeps(AddressHistory{}) {
		return nil, fmt.Errorf("%w: the address history (addrindex) is off", ErrNoIndex)
	}
	return e.store.AddressHistory(addr)
}

// ForEachUTXO calls fn for every unspent output of the active chain, in
// outpoint order.
func (e *Engine) ForEachUTXO(fn func(store.Output) error) error { return e.store.ForEachUTXO(fn) }

// TxLocation finds a transaction of the active chain by its txid. Without
// the transaction index (txindex) it finds none.
func (e *Engine) TxLocation(txid chain.Hash) (store.TxLocation, bool, error) {
	if !e.keeps(TxIndex{}) {
		return store.TxLocation{}, false, nil
	}
	return e.store.TxLocation(txid)
}

// KeepsTxIndex reports whether the engine keeps the transaction index.
func (e *Engine) KeepsTxIndex() bool { return e.keeps(TxIndex{}) }

// KeepsAddressHistory reports whether the engine keeps the address history.
func (e *Engine) KeepsAddressHistory() bool { return e.keeps(AddressHistory{}) }

// Orphans returns the number of blocks in the orphan pool.
func (e *Engine) Orphans() int { return e.orphans.len() }

// Work returns the cumulative work of a block the index holds, and whether
// it or an ancestor is invalid, without building a BlockInfo (no median
// time past, no copy): the cheap question asked of every gossiped block.
// The caller must not modify the returned value.
func (e *Engine) Work(hash chain.Hash) (work *big.Int, invalid, ok bool) {
	n := e.index.get(hash)
	if n == nil {
		return nil, false, false
	}
	return &n.work, n.failed(), true
}

// TipWork returns the active tip's cumulative work and bits, without
// building a BlockInfo. The caller must not modify the returned value.
func (e *Engine) TipWork() (work *big.Int, bits uint32) {
	tip := e.tip()
	return &tip.work, tip.header.Bits
}
