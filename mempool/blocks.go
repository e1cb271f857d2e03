package mempool

import (
	"errors"
	"math"
	"slices"
	"time"

	"github.com/devchain/devchain/chain"
)

// RemovalReason says why a transaction left the pool, with Bitcoin Core's
// names.
type RemovalReason int

// Removal reasons.
const (
	// RemovedConfirmed: included in a connected block ("block").
	RemovedConfirmed RemovalReason = iota + 1
	// RemovedConflict: spends an output a connected block spent, or
	// descends from such a transaction ("conflict").
	RemovedConflict
	// RemovedReorg: its inputs are missing or immature on the new chain
	// ("reorg").
	RemovedReorg
	// RemovedEvicted: evicted to keep the pool within MaxBytes ("sizelimit").
	RemovedEvicted
)

// String returns Bitcoin Core's name of the reason.
func (r RemovalReason) String() string {
	switch r {
	case RemovedConfirmed:
		return "block"
	case RemovedConflict:
		return "conflict"
	case RemovedReorg:
		return "reorg"
	case RemovedEvicted:
		return "sizelimit"
	}
	return "unknown"
}

// Removal is a transaction that left the pool (or, from a disconnected
// block, did not come back).
type Removal struct {
	TxID   chain.Hash
	Tx     *chain.Transaction
	Reason RemovalReason
}

// Changes is what BlocksChanged did to the pool.
type Changes struct {
	// Added are the transactions that entered the pool: those of
	// disconnected blocks still valid on the new chain, and orphans that
	// became valid. They are in the pool after the call.
	Added []*Entry
	// Removed are the transactions that were in the pool before the call
	// and are not after it, and the transactions of disconnected blocks that
	// neither came back nor are confirmed on the new chain, in the order
	// they were settled.
	Removed []Removal
}

// BlocksChanged brings the pool up to date with a change of the active
// chain, as the engine reports it (consensus.Result): disconnected are the
// blocks that left the chain, tip first; connected those that joined it,
// oldest first; view is the chain after the change.
//
//   - Pool transactions spending outputs of disconnected transactions are
//     taken out, to be judged again once those come back.
//   - For each connected block its transactions leave the pool
//     (RemovedConfirmed), and so do pool transactions spending an output the
//     block spent, with their descendants (RemovedConflict). Orphans the
//     block confirms or conflicts with are dropped.
//   - The non-coinbase transactions of disconnected blocks come back, oldest
//     block first and in block order (parents before children), when they
//     are valid against the new chain and are not confirmed on it; then the
//     pool transactions taken out come back, parents first, when still
//     valid. These re-admissions skip the fee floors and the byte bound, and
//     do not verify signatures again.
//   - If the tip is now lower than before, pool transactions whose coinbase
//     inputs are immature at the new height leave, with their descendants
//     (RemovedReorg).
//   - Orphans spending outputs of connected or re-added transactions are
//     admitted when valid, and the pool is trimmed to MaxBytes.
//
// The work is proportional to the blocks and the transactions they touch,
// not to the pool.
func (p *Pool) BlocksChanged(disconnected, connected []*chain.Block, view ChainView, now time.Time) Changes {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.tick(now)
	hashes := connectedHashes(view, connected)
	// (The eviction heap holds every entry: its length is in the pool's
	// own struct, where the map's count is one cache miss further.)
	if len(disconnected) == 0 && len(p.evict) == 0 && p.orphans.len() == 0 {
		// Nothing to confirm, take out or adopt: the blocks are only
		// remembered (a node that relays blocks and no transactions, as
		// in a simulation, pays no more than this per block).
		for i, b := range connected {
			p.blockConnected(now)
			p.recent.remember(hashes.at(i, b), b, nil)
		}
		return Changes{}
	}
	// The run's maps are made when first written: an empty block on an
	// empty pool (generatetoaddress, syncing) needs none of them.
	r := &reorgRun{p: p, view: view, now: now}
	r.takeOutDisconnected(disconnected)
	for i, b := range connected {
		r.confirmBlock(b, hashes.at(i, b))
	}
	r.bringBack()
	if before := int64(view.Height()) + int64(len(disconnected)) - int64(len(connected)); int64(view.Height()) < before {
		r.dropImmature()
	}
	r.adoptOrphansAndTrim()
	ch := r.changes()
	if len(ch.Added)+len(ch.Removed) > 0 {
		p.log.Info("mempool_updated", "height", view.Height(), "disconnected", len(disconnected), "connected", len(connected),
			"added", len(ch.Added), "removed", len(ch.Removed), "size", len(p.entries), "bytes", p.bytes)
	}
	return ch
}

// reorgRun is one BlocksChanged call: its phases, in order, and what they
// hand each other.
type reorgRun struct {
	p    *Pool
	view ChainView
	now  time.Time
	// out and reasons record the removals, in the order they were settled.
	out     []Removal
	reasons map[chain.Hash]RemovalReason
	// spentByBlocks are the outputs the connected blocks spent.
	spentByBlocks map[chain.OutPoint]struct{}

	// resurrect are the non-coinbase transactions of disconnected blocks,
	// oldest block first, in block order.
	resurrect []blockTx
	// takenOut are the pool transactions built on them, parents first;
	// retry those of them not confirmed since, to be admitted again.
	takenOut []*txEntry
	retry    map[chain.Hash]*txEntry
	// confirmed are the txids of the connected blocks, kept only when
	// blocks were disconnected (their transactions are not resurrected).
	confirmed map[chain.Hash]struct{}
	// newlySpendable are transactions whose outputs orphans may now spend.
	newlySpendable []chain.Hash
	// added are the transactions that entered the pool.
	added []*txEntry
}

type blockTx struct {
	tx   *chain.Transaction
	txid chain.Hash
}

// takeOutDisconnected collects the transactions of the disconnected blocks
// (tip first) and takes out the pool transactions spending their outputs,
// with their descendants, to be judged again after the connected blocks.
func (r *reorgRun) takeOutDisconnected(disconnected []*chain.Block) {
	p := r.p
	var roots []*txEntry
	for i := len(disconnected) - 1; i >= 0; i-- {
		b := disconnected[i]
		p.recent.forget(b.Hash())
		for j, tx := range b.Transactions {
			txid := tx.TxID()
			if j > 0 {
				r.resurrect = append(r.resurrect, blockTx{tx, txid})
			}
			for k := range tx.Outputs {
				if s, ok := p.spent[chain.OutPoint{TxID: txid, Index: uint32(k)}]; ok {
					roots = append(roots, s)
				}
			}
		}
	}
	if len(roots) == 0 {
		return
	}
	r.takenOut = topoOrder(withDescendants(roots))
	p.removeSet(r.takenOut)
	r.retry = make(map[chain.Hash]*txEntry, len(r.takenOut))
	for _, e := range r.takenOut {
		r.retry[e.txid] = e
	}
}

// confirmBlock removes what a connected block confirms (RemovedConfirmed)
// and what conflicts with it, with descendants (RemovedConflict), and drops
// the orphans it confirms or conflicts with.
func (r *reorgRun) confirmBlock(b *chain.Block, hash chain.Hash) {
	p := r.p
	p.blockConnected(r.now)
	var conflicts []*txEntry
	txids := b.TxIDs()
	p.recent.remember(hash, b, txids)
	if len(r.resurrect) > 0 && r.confirmed == nil {
		r.confirmed = map[chain.Hash]struct{}{}
	}
	for j, tx := range b.Transactions {
		txid := txids[j]
		if r.confirmed != nil {
			r.confirmed[txid] = struct{}{}
		}
		r.newlySpendable = append(r.newlySpendable, txid)
		if e, ok := p.entries[txid]; ok {
			p.removeSet([]*txEntry{e})
			r.removed(e.txid, e.tx, RemovedConfirmed)
		} else if e, ok := r.retry[txid]; ok {
			delete(r.retry, txid)
			r.removed(e.txid, e.tx, RemovedConfirmed)
		}
		for _, o := range p.orphans.removeForBlock(txid, tx, j == 0) {
			p.log.Debug("orphan_dropped", "txid", o.txid, "block", hash)
		}
		if j == 0 {
			continue
		}
		if r.spentByBlocks == nil {
			r.spentByBlocks = map[chain.OutPoint]struct{}{}
		}
		for _, in := range tx.Inputs {
			r.spentByBlocks[in.PrevOut] = struct{}{}
			if s, ok := p.spent[in.PrevOut]; ok && s.txid != txid {
				conflicts = append(conflicts, s)
			}
		}
	}
	out := withDescendants(conflicts)
	p.removeSet(out)
	for _, e := range out {
		r.removed(e.txid, e.tx, RemovedConflict)
	}
}

// bringBack re-admits the disconnected transactions not confirmed on the
// new chain, then the pool's own taken out, parents first.
func (r *reorgRun) bringBack() {
	for _, bt := range r.resurrect {
		if _, ok := r.confirmed[bt.txid]; ok {
			continue
		}
		if e := r.readmit(bt.tx, bt.txid, nil); e != nil {
			r.added = append(r.added, e)
		}
	}
	for _, old := range r.takenOut {
		if _, ok := r.retry[old.txid]; ok {
			r.readmit(old.tx, old.txid, old)
		}
	}
}

// dropImmature removes, after the tip went down, the pool transactions
// whose coinbase inputs are immature at the new height, with their
// descendants (RemovedReorg).
func (r *reorgRun) dropImmature() {
	p := r.p
	spendHeight := int64(r.view.Height()) + 1
	var immature []*txEntry
	for e := range p.cbSpenders {
		if !p.cfg.Params.CoinbaseMature(e.cbHeight, spendHeight) {
			immature = append(immature, e)
		}
	}
	slices.SortFunc(immature, cmpSeq)
	out := withDescendants(immature)
	p.removeSet(out)
	for _, e := range out {
		r.removed(e.txid, e.tx, RemovedReorg)
	}
}

// adoptOrphansAndTrim admits the orphans whose parents are now confirmed or
// back in the pool, then trims the pool to MaxBytes (RemovedEvicted).
func (r *reorgRun) adoptOrphansAndTrim() {
	p := r.p
	for _, e := range r.added {
		r.newlySpendable = append(r.newlySpendable, e.txid)
	}
	for _, e := range r.takenOut {
		if p.entries[e.txid] != nil {
			r.newlySpendable = append(r.newlySpendable, e.txid)
		}
	}
	adopted := p.adoptOrphans(r.newlySpendable, r.view, r.now)
	r.added = append(r.added, adopted...)

	adoptedIDs := make(map[chain.Hash]bool, len(adopted))
	for _, e := range adopted {
		adoptedIDs[e.txid] = true
	}
	for _, e := range p.trim(r.now) {
		if !adoptedIDs[e.txid] { // an orphan that came and went is no change
			r.removed(e.txid, e.tx, RemovedEvicted)
		}
	}
}

// changes reports the run: the added transactions still in the pool, and
// every removal.
func (r *reorgRun) changes() Changes {
	var ch Changes
	for _, e := range r.added {
		if r.p.entries[e.txid] == e {
			ch.Added = append(ch.Added, e.snapshot())
		}
	}
	ch.Removed = r.out
	return ch
}

func (r *reorgRun) removed(txid chain.Hash, tx *chain.Transaction, reason RemovalReason) {
	r.out = append(r.out, Removal{TxID: txid, Tx: tx, Reason: reason})
	if r.reasons == nil {
		r.reasons = map[chain.Hash]RemovalReason{}
	}
	r.reasons[txid] = reason
}

// readmit brings back a transaction of a disconnected block (prev nil) or a
// pool transaction taken out (prev set). A failure is recorded as a
// conflict when the transaction spends an output the new blocks spent, or
// descends from a conflict, and as a reorg removal otherwise.
func (r *reorgRun) readmit(tx *chain.Transaction, txid chain.Hash, prev *txEntry) *txEntry {
	e, err := r.p.admit(tx, txid, r.view, r.now, admitOptions{reorg: true, prev: prev})
	if err == nil {
		return e
	}
	var re *RejectError
	if !errors.As(err, &re) {
		r.p.log.Error("readmit_failed", "txid", txid, "err", err)
	} else if re.Code == RejectDuplicate && re.Reason == ReasonAlreadyInPool {
		return nil
	}
	reason := RemovedReorg
	for _, in := range tx.Inputs {
		_, spent := r.spentByBlocks[in.PrevOut]
		if spent || r.reasons[in.PrevOut.TxID] == RemovedConflict {
			reason = RemovedConflict
			break
		}
	}
	r.removed(txid, tx, reason)
	r.p.log.Debug("tx_not_readmitted", "txid", txid, "reason", reason.String(), "err", err)
	return nil
}

// trim evicts the lowest-scoring packages until the pool fits MaxBytes,
// raising the rolling minimum fee rate.
func (p *Pool) trim(now time.Time) []*txEntry {
	var out []*txEntry
	for p.bytes > p.cfg.MaxBytes && len(p.evict) > 0 {
		worst := p.evict[0]
		pkg := withDescendants([]*txEntry{worst})
		p.bumpMinFee(worst.descFee, worst.descSize, now)
		p.removeSet(pkg)
		for _, e := range pkg {
			p.log.Info("tx_evicted", "txid", e.txid, "fee_rate", rateFloor(e.fee, e.size))
		}
		out = append(out, pkg...)
	}
	return out
}

// mainChain is what a ChainView with a block index (the engine) also
// offers: the hashes of the active chain's blocks, which the pool then
// need not compute for the blocks a change connected.
type mainChain interface {
	MainChainHash(height uint32) (chain.Hash, bool)
}

// blockHashes finds the hashes of the connected blocks of a change: they
// are the top of the view's chain, the last at its tip.
type blockHashes struct {
	chain mainChain // nil: each block is hashed
	first int64     // the height of the first connected block
}

func connectedHashes(view ChainView, connected []*chain.Block) blockHashes {
	mc, _ := view.(mainChain)
	return blockHashes{chain: mc, first: int64(view.Height()) - int64(len(connected)) + 1}
}

// at returns the hash of connected block i, b: the view's hash at its
// height when the view's block below it is b's parent (the view is the
// chain after the change, as BlocksChanged requires), else b's own.
func (bh blockHashes) at(i int, b *chain.Block) chain.Hash {
	if h := bh.first + int64(i); bh.chain != nil && h > 0 && h <= math.MaxUint32 {
		hash, ok := bh.chain.MainChainHash(uint32(h))
		parent, parentOK := bh.chain.MainChainHash(uint32(h - 1))
		if ok && parentOK && parent == b.Header.PrevBlock {
			return hash
		}
	}
	return b.Hash()
}
