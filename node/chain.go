package node

import (
	"errors"

	"github.com/libp2p/go-libp2p/core/peer"

	"github.com/devchain/devchain/chain"
	"github.com/devchain/devchain/consensus"
	"github.com/devchain/devchain/consensus/store"
	"github.com/devchain/devchain/mempool"
	"github.com/devchain/devchain/miner"
	"github.com/devchain/devchain/p2p"
)

// origin says where a block or transaction came from: data of local origin
// is gossiped once accepted; data from a peer is relayed by gossip itself.
type origin int

const (
	fromPeer origin = iota
	fromLocal
)

// processBlock is the one path by which blocks change the chain.
func (n *Node) processBlock(b *chain.Block, from origin) (*consensus.Result, error) {
	res, err := n.changeChain(func(e *consensus.Engine) (*consensus.Result, error) {
		return e.ProcessBlock(b, n.now())
	})
	if err != nil {
		var re *consensus.RuleError
		if !errors.As(err, &re) {
			n.log.Error("block_not_stored", "hash", b.Hash(), "err", err)
		}
		return res, err
	}
	// With no peer connected there is nobody to tell: a peer that connects
	// later syncs the block (status handshake), so the gossip is skipped.
	if from == fromLocal && (res.Status == consensus.StatusMainChain || res.Status == consensus.StatusSideChain) && n.host.ConnectionCount() > 0 {
		if perr := n.host.PublishBlock(b.Serialize()); perr != nil {
			n.log.Warn("publish_failed", "hash", res.Hash, "err", perr)
		}
	}
	if from == fromLocal {
		// The store applies its writes while the node goes on (here: the
		// mempool update and the gossip above); a block made here or handed
		// over RPC is on disk before the caller hears it was accepted.
		if err := store.Flush(n.store); err != nil {
			n.log.Error("block_not_stored", "hash", b.Hash(), "err", err)
			n.abort(err)
			return res, err
		}
	}
	return res, nil
}

// changeChain runs an engine change under the exclusive lock, hands the
// blocks it disconnected and connected to the mempool, and tells the miner
// when the tip moved.
func (n *Node) changeChain(change func(e *consensus.Engine) (*consensus.Result, error)) (*consensus.Result, error) {
	n.mu.Lock()
	res, err := change(n.engine)
	moved := res != nil && (len(res.Connected) > 0 || len(res.Disconnected) > 0)
	var tip consensus.BlockInfo
	if moved {
		n.pool.BlocksChanged(res.Disconnected, res.Connected, n.engine, n.now())
		tip = n.engine.Tip()
	}
	halted := n.engine.Halted()
	n.reportChange(res, err) // telemetry.go
	n.mu.Unlock()
	if halted != nil {
		n.abort(halted)
	}
	if moved {
		n.miner.Notify()
		n.log.Info("tip_changed", "height", tip.Height, "hash", tip.Hash,
			"connected", len(res.Connected), "disconnected", len(res.Disconnected))
	}
	return res, err
}

// blockVerdict turns an engine outcome into a verdict on the peer that
// sent the block. Only a block that itself breaks a rule is the peer's
// fault: a descendant of a block this node invalidated by hand, or a block
// too far ahead of this node's clock, is not.
func blockVerdict(res *consensus.Result, err error) p2p.Verdict {
	var re *consensus.RuleError
	switch {
	case err == nil && res.Status == consensus.StatusOrphan:
		return p2p.VerdictOrphan
	case err == nil && res.Status == consensus.StatusDuplicate:
		return p2p.VerdictDuplicate
	case err == nil:
		return p2p.VerdictAccepted
	case !errors.As(err, &re):
		return p2p.VerdictIgnore
	}
	switch re.Code {
	case consensus.ErrKnownInvalid:
		return p2p.VerdictDuplicate
	case consensus.ErrInvalidAncestor, consensus.ErrTimeTooNew:
		return p2p.VerdictIgnore
	}
	return p2p.VerdictInvalid
}

// acceptTx admits a transaction to the mempool. Transactions of local
// origin, and orphans the transaction unlocked, are gossiped.
func (n *Node) acceptTx(tx *chain.Transaction, from origin) ([]*mempool.Entry, error) {
	n.mu.RLock()
	entries, err := n.pool.Accept(tx, n.engine, n.now())
	n.mu.RUnlock()
	if err != nil {
		return nil, err
	}
	accepted := make([]*chain.Transaction, len(entries))
	for i, e := range entries {
		accepted[i] = e.Tx
	}
	n.recordAccepted(accepted, from) // mempoolfile.go: on disk before anyone hears of it
	n.reportAccepted(entries)        // telemetry.go
	for i, e := range entries {
		if i == 0 && from == fromPeer {
			continue // gossip relays it
		}
		if perr := n.host.PublishTx(e.Tx.Serialize()); perr != nil {
			n.log.Warn("publish_failed", "txid", e.TxID, "err", perr)
		}
	}
	return entries, nil
}

// txVerdict judges the peer that sent a transaction.
func txVerdict(err error) p2p.Verdict {
	var re *mempool.RejectError
	switch {
	case err == nil:
		return p2p.VerdictAccepted
	case !errors.As(err, &re):
		return p2p.VerdictIgnore
	case re.Code == mempool.RejectDuplicate:
		return p2p.VerdictDuplicate
	case re.Code == mempool.RejectOrphan:
		return p2p.VerdictOrphan
	case re.Code.Misbehaving():
		return p2p.VerdictInvalid
	}
	return p2p.VerdictIgnore
}

// Status implements p2p.Chain.
func (n *Node) Status() p2p.Status {
	n.mu.RLock()
	defer n.mu.RUnlock()
	tip := n.engine.Tip()
	return p2p.Status{Genesis: n.params.GenesisHash, Tip: tip.Hash, Height: tip.Height, Work: tip.ChainWork}
}

// Locator implements p2p.Chain.
func (n *Node) Locator() []chain.Hash {
	n.mu.RLock()
	defer n.mu.RUnlock()
	return n.engine.Locator()
}

// HeadersAfter implements p2p.Chain.
func (n *Node) HeadersAfter(locator []chain.Hash, max int) []chain.BlockHeader {
	n.mu.RLock()
	defer n.mu.RUnlock()
	return n.engine.HeadersAfter(locator, max)
}

// BlockBytes implements p2p.Chain.
func (n *Node) BlockBytes(hash chain.Hash) ([]byte, bool) {
	n.mu.RLock()
	defer n.mu.RUnlock()
	data, err := n.engine.BlockBytes(hash)
	if errors.Is(err, store.ErrCorrupt) {
		// Never served: a peer would rightly ban a node serving it.
		n.log.Error("stored_block_corrupt", "hash", hash, "err", err)
	}
	return data, err == nil
}

// HaveBlock implements p2p.Chain.
func (n *Node) HaveBlock(hash chain.Hash) bool {
	n.mu.RLock()
	defer n.mu.RUnlock()
	return n.engine.HaveBlock(hash)
}

// maxOrphanBlockBytes bounds the blocks from peers that wait in the
// engine's orphan pool (100 blocks) for their parent: a larger block whose
// parent is unknown is not kept, and the sync that its verdict triggers
// fetches it with its ancestors. A peer can thus make the node hold at most
// 100 × 64 KiB of orphans, not 100 × max_block_bytes.
const maxOrphanBlockBytes = 64 << 10

// SubmitBlock implements p2p.Chain: a block from a peer.
func (n *Node) SubmitBlock(b *chain.Block, from peer.ID) (p2p.Verdict, error) {
	if b.SerializeSize() > maxOrphanBlockBytes {
		known := false
		n.withEngine(func(e *consensus.Engine) { _, known = e.BlockInfo(b.Header.PrevBlock) })
		if !known {
			return p2p.VerdictOrphan, nil
		}
	}
	res, err := n.processBlock(b, fromPeer)
	v := blockVerdict(res, err)
	if v == p2p.VerdictInvalid {
		n.log.Info("peer_block_rejected", "peer", from, "hash", b.Hash(), "err", err)
	}
	return v, err
}

// SubmitTx implements p2p.Chain: a transaction from a peer.
func (n *Node) SubmitTx(tx *chain.Transaction, from peer.ID) (p2p.Verdict, error) {
	_, err := n.acceptTx(tx, fromPeer)
	return txVerdict(err), err
}

// maxCoinbaseBytes bounds the block space a template keeps for the header,
// the transaction count and the coinbase.
const maxCoinbaseBytes = 1024

// Template implements miner.Source: a block on the tip paying payTo, with
// the mempool's best transactions.
func (n *Node) Template(payTo chain.Address) (*chain.Block, error) {
	n.mu.RLock()
	tip := n.engine.Tip()
	bits, err := n.engine.NextBits(tip.Hash)
	if err != nil {
		n.mu.RUnlock()
		return nil, err
	}
	txs, fees := n.pool.Template(n.params.MaxBlockBytes - maxCoinbaseBytes)
	n.mu.RUnlock()
	return miner.NewBlock(miner.TemplateInput{
		Params:     n.params,
		Parent:     tip.Hash,
		Height:     tip.Height + 1,
		Bits:       bits,
		MedianTime: tip.MedianTime,
		Now:        n.now(),
		Txs:        txs,
		Fees:       fees,
		PayTo:      payTo,
	}), nil
}

// minerSource is the node as the miner's Source: its SubmitBlock takes a
// block of local origin (gossiped once accepted), while the node's own
// SubmitBlock is p2p.Chain's, for blocks from a peer.
type minerSource struct{ n *Node }

func (s minerSource) Template(payTo chain.Address) (*chain.Block, error) { return s.n.Template(payTo) }

func (s minerSource) SubmitBlock(b *chain.Block) error {
	_, err := s.n.processBlock(b, fromLocal)
	return err
}
