package consensus

import (
	"fmt"

	"github.com/devchain/devchain/chain"
	"github.com/devchain/devchain/consensus/store"
)

// decodeStored decodes a block read back from the store and verifies it
// against what the index knows: it must hash to hash, and its transactions
// must give the Merkle root its header commits to. A block whose bytes
// changed on disk (one flipped bit in a transaction keeps the header
// intact) is an ErrCorrupt error, never handed to a reorg, a caller or a
// peer: a peer would rightly ban a node that serves it.
func decodeStored(hash chain.Hash, data []byte) (*chain.Block, error) {
	b, err := chain.DecodeBlock(data)
	if err != nil {
		return nil, fmt.Errorf("consensus: stored block %s: %w: %v", hash, store.ErrCorrupt, err)
	}
	if got := b.Hash(); got != hash {
		return nil, fmt.Errorf("consensus: stored block %s: %w: it holds block %s", hash, store.ErrCorrupt, got)
	}
	if root := chain.MerkleRoot(b.TxIDs()); root != b.Header.MerkleRoot {
		return nil, fmt.Errorf("consensus: stored block %s: %w: its transactions give Merkle root %s, its header %s",
			hash, store.ErrCorrupt, root, b.Header.MerkleRoot)
	}
	return b, nil
}
