package protocol

import (
	"errors"
	"fmt"
	"math/big"

	"github.com/devchain/devchain/chain"
	"github.com/devchain/devchain/consensus"
	"github.com/devchain/devchain/mempool"
)

// receive dispatches a message from a connected peer.
func (c *Core) receive(from PeerID, m Message) {
	switch m := m.(type) {
	case NewBlock:
		c.onNewBlock(from, m.Block)
	case NewTx:
		c.onNewTx(from, m.Tx)
	case GetStatus:
		c.send(from, c.status(m.ID))
	case GetHeaders:
		c.serveHeaders(from, m)
	case GetBlocks:
		c.serveBlocks(from, m)
	case Status:
		c.onStatus(from, m)
	case Headers:
		c.onHeaders(from, m)
	case Blocks:
		c.onBlocks(from, m)
	}
}

// onStatus records a peer's tip; the sync it may call for starts at the
// end of the step.
func (c *Core) onStatus(from PeerID, m Status) {
	if !c.answered(from, m.ID, reqStatus) {
		return
	}
	if m.Genesis != c.cfg.Params.GenesisHash {
		c.penalise(from, PointsWrongGenesis, "peer follows another genesis "+m.Genesis.String())
		return
	}
	if m.Work == nil {
		m.Work = new(big.Int)
	}
	ps := c.peers[from]
	ps.status, ps.waitStatus = &m, false
	c.syncCheck = true
}

// onNewBlock judges a gossiped block, and reports its arrival when asked.
func (c *Core) onNewBlock(from PeerID, b *chain.Block) {
	hash := b.Hash() // once per step: judging and reporting both need it
	status := c.judgeBlock(from, b, hash)
	c.arrived(from, hash, status)
}

func (c *Core) arrived(from PeerID, hash chain.Hash, status consensus.Status) {
	if c.cfg.ReportArrivals {
		c.emit(BlockArrived{From: from, Hash: hash, Status: status})
	}
}

// judgeBlock judges a gossiped block: relayed when the engine accepts it,
// dropped when it brings less work than the tip (penalised when far
// below), its sender penalised when it breaks a rule, and its ancestry
// asked of its sender when its parent is unknown. It returns where the
// block went (zero: nowhere).
func (c *Core) judgeBlock(from PeerID, b *chain.Block, hash chain.Hash) consensus.Status {
	if c.engine.HaveBlockOn(b.Header.PrevBlock, hash) {
		return consensus.StatusDuplicate
	}
	if err := consensus.CheckHashProofOfWork(hash, b.Header.Bits, c.cfg.Params.PowLimit); err != nil {
		c.penalise(from, PointsInvalidBlock, fmt.Sprintf("gossiped block %s: %v", hash, err))
		return 0
	}
	if tip, _ := c.engine.MainChainHash(c.engine.Height()); b.Header.PrevBlock != tip {
		if status, judged := c.judgeSideBlock(from, b, hash); judged {
			return status
		}
	} // else it extends the tip: more work than the tip, the common case
	res, err := c.processBlock(b)
	switch {
	case blameable(err):
		c.log.Info("peer_block_rejected", "peer", from, "hash", hash, "err", err)
		c.penalise(from, PointsInvalidBlock, fmt.Sprintf("gossiped block %s: %v", hash, err))
		return 0
	case err != nil:
		c.log.Info("block_not_taken", "peer", from, "hash", hash, "err", err)
		return 0
	case res.Status == consensus.StatusMainChain || res.Status == consensus.StatusSideChain:
		c.emit(Publish{Msg: NewBlock{Block: b}, From: from})
	}
	return res.Status
}

// judgeSideBlock judges a gossiped block that does not extend the tip
// before the engine sees it: an orphan's ancestry is asked of its sender, a
// descendant of an invalid block is dropped, and so is one that brings
// less work than the tip (its sender penalised when it lies far below).
// judged is false when the block is to be given to the engine.
func (c *Core) judgeSideBlock(from PeerID, b *chain.Block, hash chain.Hash) (status consensus.Status, judged bool) {
	parentWork, invalid, ok := c.engine.Work(b.Header.PrevBlock)
	if !ok {
		return c.onOrphan(from, b), true
	}
	if invalid {
		return 0, true // a descendant of a block found or made invalid: not its sender's fault
	}
	work := new(big.Int).Add(parentWork, consensus.CalcWork(b.Header.Bits))
	tipWork, tipBits := c.engine.TipWork()
	if work.Cmp(tipWork) >= 0 {
		return 0, false
	}
	floor := new(big.Int).Mul(consensus.CalcWork(tipBits), big.NewInt(StaleDepth))
	if floor.Add(floor, work).Cmp(tipWork) < 0 {
		c.penalise(from, PointsStaleBlock, fmt.Sprintf("gossiped block %s lies more than %d blocks of work below the tip", hash, StaleDepth))
	}
	c.log.Debug("block_below_tip_dropped", "peer", from, "hash", hash)
	return 0, true
}

// onOrphan keeps a small orphan in the engine's bounded orphan pool and
// asks its sender for the headers that lead to it (then its parent).
func (c *Core) onOrphan(from PeerID, b *chain.Block) consensus.Status {
	var status consensus.Status
	if b.SerializeSize() <= MaxOrphanBlockBytes {
		res, err := c.processBlock(b)
		if blameable(err) {
			c.penalise(from, PointsInvalidBlock, fmt.Sprintf("gossiped block %s: %v", b.Hash(), err))
			return 0
		}
		if err == nil {
			status = res.Status
		}
	}
	if c.sync == nil && !c.coolingDown(from) {
		c.startSync(from, nil)
	}
	return status
}

// blameable reports whether err is a verdict on the block itself: a
// descendant of an invalid block, one known invalid, or one too far ahead
// of this node's clock is not its sender's fault, nor is a store failure.
func blameable(err error) bool {
	if err == nil {
		return false // the common case, without errors.As's allocation
	}
	var re *consensus.RuleError
	if !errors.As(err, &re) {
		return false
	}
	switch re.Code {
	case consensus.ErrKnownInvalid, consensus.ErrInvalidAncestor, consensus.ErrTimeTooNew:
		return false
	}
	return true
}

// onNewTx admits a gossiped transaction to the mempool: relayed with the
// orphans it unlocked when accepted, its sender penalised when invalid.
func (c *Core) onNewTx(from PeerID, tx *chain.Transaction) {
	entries, err := c.pool.Accept(tx, c.engine, c.now)
	if err != nil {
		if mempool.Misbehaving(err) {
			c.penalise(from, PointsInvalidTx, fmt.Sprintf("transaction %s: %v", tx.TxID(), err))
		}
		return
	}
	c.emit(TxsAccepted{Entries: entries, From: from})
	for i, e := range entries {
		if i == 0 {
			c.emit(Publish{Msg: NewTx{Tx: e.Tx}, From: from})
		} else {
			c.emit(Publish{Msg: NewTx{Tx: e.Tx}})
		}
	}
}
