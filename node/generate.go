package node

import (
	"context"
	"fmt"
	"sync/atomic"

	"github.com/devchain/devchain/chain"
	"github.com/devchain/devchain/consensus"
	"github.com/devchain/devchain/miner"
)

// GenerateToAddress mines n blocks on the caller's goroutine, each on the
// tip at the time, paying addr (regtest's generatetoaddress). It stops
// early when ctx is cancelled.
func (n *Node) GenerateToAddress(ctx context.Context, count int, addr chain.Address) (hashes []chain.Hash, err error) {
	var stop atomic.Bool
	defer context.AfterFunc(ctx, func() { stop.Store(true) })()
	hashes = make([]chain.Hash, 0, count)
	// The blocks are on disk before the caller hears of any of them, as
	// with processBlock, but the store is waited for once per call: Badger
	// applies a block's writes while the next one is mined.
	var last chain.Hash
	defer func() {
		if last == (chain.Hash{}) {
			return
		}
		if ferr := n.flushStore(last); ferr != nil && err == nil {
			err = ferr
		}
	}()
	for len(hashes) < count {
		b, err := n.Template(addr)
		if err != nil {
			return hashes, err
		}
		if !miner.MineOne(b, &stop) {
			return hashes, fmt.Errorf("node: generate: stopped: %w", context.Cause(ctx))
		}
		last = b.Hash()
		res, err := n.submitBlock(b, fromLocal)
		if err != nil {
			return hashes, fmt.Errorf("node: generated block %s rejected: %w", last, err)
		}
		if res.Status != consensus.StatusMainChain {
			continue // the tip moved while mining (a peer's block): mine on the new tip
		}
		hashes = append(hashes, res.Hash)
	}
	return hashes, nil
}
