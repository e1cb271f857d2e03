package consensus

import (
	"github.com/devchain/devchain/chain"
	"github.com/devchain/devchain/consensus/store"
)

// Locator returns Bitcoin's block locator of the active chain: the hashes
// of the last 10 blocks, then of blocks ever further back (doubling the
// step), ending with the genesis block. A peer finds in it the last block
// both chains share.
func (e *Engine) Locator() []chain.Hash {
	var hashes []chain.Hash
	step := 1
	for h := len(e.main) - 1; h > 0; h -= step {
		hashes = append(hashes, e.main[h].hash)
		if len(hashes) >= 10 {
			step *= 2
		}
	}
	return append(hashes, e.main[0].hash)
}

// HeadersAfter returns up to limit headers of the active chain following the
// first locator hash that is on the active chain (the genesis block when
// none is): what a peer with that locator lacks.
func (e *Engine) HeadersAfter(locator []chain.Hash, limit int) []chain.BlockHeader {
	start := 0
	for _, hash := range locator {
		if n := e.index.get(hash); n != nil && e.onMainChain(n) {
			start = int(n.height)
			break
		}
	}
	end := min(start+limit, len(e.main)-1)
	headers := make([]chain.BlockHeader, 0, max(end-start, 0))
	for h := start + 1; h <= end; h++ {
		headers = append(headers, e.main[h].header)
	}
	return headers
}

// HaveBlock reports whether the block's data is stored or the block is
// known invalid: either way a peer need not send it.
func (e *Engine) HaveBlock(hash chain.Hash) bool {
	n := e.lookup(hash)
	return n != nil && (n.status.Has(store.StatusHaveData) || n.failed())
}

// HaveBlockOn is HaveBlock for the block hash whose header names parent as
// its previous block (the caller hashed that header). A child of the tip,
// the usual gossiped block, is looked for among the tip's children, not in
// the index: in a simulation of many engines the index is a cold map, the
// tip a warm node.
func (e *Engine) HaveBlockOn(parent, hash chain.Hash) bool {
	n := e.find(hash, parent)
	return n != nil && (n.status.Has(store.StatusHaveData) || n.failed())
}
