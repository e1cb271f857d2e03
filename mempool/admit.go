package mempool

import (
	"container/heap"
	"errors"
	"fmt"
	"time"

	"github.com/devchain/devchain/chain"
	"github.com/devchain/devchain/consensus"
	"github.com/devchain/devchain/consensus/store"
)

// admitOptions relax admission for transactions the pool has judged before.
type admitOptions struct {
	// reorg: a transaction of a disconnected block, or a pool transaction
	// taken out during a reorg. Fee floors and the byte bound do not apply
	// (the pool is trimmed afterwards, as Bitcoin Core's bypass_limits), and
	// signatures are not checked again: they were verified when the block
	// was connected or the transaction admitted, and an outpoint fixes the
	// output it names, so the signature hash cannot have changed.
	reorg bool
	// prev, for a pool transaction coming back after a reorg, keeps its
	// arrival time, height and order.
	prev *txEntry
}

// candidate is a transaction that passed every check, with what adding it
// takes.
type candidate struct {
	tx        *chain.Transaction
	txid      chain.Hash
	size, fee int64
	parents   []*txEntry
	ancestors []*txEntry
	cbHeight  int64
	victims   []*txEntry // to evict for room, in order
	bumps     [][2]int64 // fee and size of each evicted package
}

// admit checks tx and adds it, evicting what it must.
func (p *Pool) admit(tx *chain.Transaction, txid chain.Hash, view ChainView, now time.Time, opt admitOptions) (*txEntry, error) {
	c, err := p.check(tx, txid, view, opt)
	if err != nil {
		return nil, err
	}
	if len(c.victims) > 0 {
		for _, b := range c.bumps {
			p.bumpMinFee(b[0], b[1], now)
		}
		p.removeSet(c.victims)
		for _, v := range c.victims {
			p.log.Info("tx_evicted", "txid", v.txid, "fee_rate", rateFloor(v.fee, v.size), "for_txid", txid)
		}
	}
	e := &txEntry{
		tx:       tx,
		txid:     txid,
		fee:      c.fee,
		size:     c.size,
		time:     now,
		height:   view.Height(),
		parents:  c.parents,
		cbHeight: c.cbHeight,
	}
	if opt.prev != nil {
		e.time, e.height, e.seq = opt.prev.time, opt.prev.height, opt.prev.seq
	} else {
		e.seq = p.nextSeq
		p.nextSeq++
	}
	p.insert(e, c.ancestors)
	p.log.Debug("tx_accepted", "txid", txid, "fee", c.fee, "size", c.size, "pool_size", len(p.entries))
	return e, nil
}

// check is the whole judgement of tx against view and the pool, cheapest
// rules first and signatures last. It changes nothing.
func (p *Pool) check(tx *chain.Transaction, txid chain.Hash, view ChainView, opt admitOptions) (*candidate, error) {
	if _, ok := p.entries[txid]; ok {
		return nil, reject(RejectDuplicate, ReasonAlreadyInPool, txid, "transaction %s is already in the pool", txid)
	}
	params := p.cfg.Params
	if err := consensus.CheckTransactionSanity(tx, params); err != nil {
		return nil, ruleReject(txid, err)
	}
	if tx.IsCoinbase() {
		return nil, &RejectError{Code: RejectInvalid, Reason: ReasonCoinbase, TxID: txid, Err: &consensus.RuleError{
			Code: consensus.ErrCoinbaseTxOutside, Description: "a coinbase is only valid as a block's first transaction"}}
	}
	size := int64(tx.SerializeSize())
	if size > p.cfg.MaxTxBytes {
		return nil, reject(RejectNonStandard, ReasonTxSize, txid, "%d bytes, limit %d", size, p.cfg.MaxTxBytes)
	}
	for i, in := range tx.Inputs {
		if other, ok := p.spent[in.PrevOut]; ok {
			return nil, reject(RejectConflict, ReasonConflict, txid, "input %d spends %s:%d, already spent by pool transaction %s",
				i, in.PrevOut.TxID, in.PrevOut.Index, other.txid)
		}
	}

	c := &candidate{tx: tx, txid: txid, size: size, cbHeight: -1}
	spendHeight := view.Height() + 1
	spent := make([]consensus.UTXO, len(tx.Inputs))
	var missing []int
	for i, in := range tx.Inputs {
		op := in.PrevOut
		if par, ok := p.entries[op.TxID]; ok {
			if int(op.Index) >= len(par.tx.Outputs) {
				return nil, missingInputs(RejectMissingInputs, txid, "input %d spends %s:%d, but pool transaction %s has %d outputs",
					i, op.TxID, op.Index, op.TxID, len(par.tx.Outputs))
			}
			out := par.tx.Outputs[op.Index]
			spent[i] = consensus.UTXO{Amount: out.Amount, Address: out.Address, Height: spendHeight}
			if !containsEntry(c.parents, par) {
				c.parents = append(c.parents, par)
			}
			continue
		}
		u, ok, err := view.UTXO(op)
		if err != nil {
			return nil, fmt.Errorf("mempool: read utxo %s:%d: %w", op.TxID, op.Index, err)
		}
		if !ok {
			missing = append(missing, i)
			continue
		}
		spent[i] = u
		if u.Coinbase && int64(u.Height) > c.cbHeight {
			c.cbHeight = int64(u.Height)
		}
	}
	if len(missing) > 0 {
		return nil, p.missing(tx, txid, missing, view)
	}

	fee, err := consensus.CheckTransactionInputs(tx, spendHeight, spent, params)
	if err != nil {
		return nil, ruleReject(txid, err)
	}
	c.fee = fee

	c.ancestors = ancestorsOf(c.parents)
	if n := len(c.ancestors) + 1; n > p.cfg.MaxAncestors {
		return nil, reject(RejectNonStandard, ReasonTooLongChain, txid, "too many unconfirmed ancestors [limit: %d]", p.cfg.MaxAncestors)
	}
	for _, a := range c.ancestors {
		if a.descCount+1 > int64(p.cfg.MaxDescendants) {
			return nil, reject(RejectNonStandard, ReasonTooLongChain, txid, "exceeds descendant limit of %s [limit: %d]", a.txid, p.cfg.MaxDescendants)
		}
	}

	if !opt.reorg {
		if !meetsRate(fee, size, p.cfg.MinFeeRate) {
			return nil, reject(RejectInsufficientFee, ReasonMinRelayFee, txid, "fee %d < %d (%d bytes at %d units/byte)",
				fee, p.cfg.MinFeeRate*size, size, p.cfg.MinFeeRate)
		}
		if floor := p.minFeeRate(); !meetsRate(fee, size, floor) {
			return nil, reject(RejectInsufficientFee, ReasonMempoolMinFee, txid, "fee %d < %d (%d bytes at %d units/byte)",
				fee, floor*size, size, floor)
		}
		if need := p.bytes + size - p.cfg.MaxBytes; need > 0 {
			if err := p.planEviction(c, need); err != nil {
				return nil, err
			}
		}
		if err := consensus.VerifyTxSignatures(tx, spent, params.GenesisHash, p.cfg.SigVerifier, p.cfg.SigCache); err != nil {
			return nil, ruleReject(txid, err)
		}
	}
	return c, nil
}

func containsEntry(es []*txEntry, e *txEntry) bool {
	for _, x := range es {
		if x == e {
			return true
		}
	}
	return false
}

// siblingProbe is how many low output indexes of a missing input's
// transaction are looked up to tell a spent output from an unknown one.
const siblingProbe = 4

// missing judges a transaction with unresolved inputs. It is already
// confirmed if an output of its own is unspent (or it was seen in a recent
// block). An input is spent, not unknown, when its transaction is known to
// be confirmed: it was in a recent block, or another of its outputs is
// still unspent. Otherwise the transaction is an orphan.
func (p *Pool) missing(tx *chain.Transaction, txid chain.Hash, missing []int, view ChainView) error {
	confirmed, err := isConfirmed(view, txid)
	if err != nil {
		return err
	}
	if confirmed || p.recent.hasTx(txid) {
		return reject(RejectDuplicate, ReasonAlreadyKnown, txid, "transaction %s is confirmed", txid)
	}
	for k := range tx.Outputs {
		_, ok, err := view.UTXO(chain.OutPoint{TxID: txid, Index: uint32(k)})
		if err != nil {
			return fmt.Errorf("mempool: read utxo %s:%d: %w", txid, k, err)
		}
		if ok {
			return reject(RejectDuplicate, ReasonAlreadyKnown, txid, "output %d of %s is in the UTXO set", k, txid)
		}
	}
	for _, i := range missing {
		op := tx.Inputs[i].PrevOut
		spent, err := p.knownSpent(op, view)
		if err != nil {
			return err
		}
		if spent {
			return missingInputs(RejectMissingInputs, txid, "input %d spends %s:%d, which is spent on the chain", i, op.TxID, op.Index)
		}
	}
	op := tx.Inputs[missing[0]].PrevOut
	return missingInputs(RejectOrphan, txid, "input %d spends unknown output %s:%d (%d inputs missing)", missing[0], op.TxID, op.Index, len(missing))
}

// knownSpent reports whether a missing outpoint belongs to a confirmed
// transaction.
func (p *Pool) knownSpent(op chain.OutPoint, view ChainView) (bool, error) {
	if p.recent.hasSpent(op) || p.recent.hasTx(op.TxID) {
		return true, nil
	}
	if _, indexed := view.(TxIndex); indexed {
		return isConfirmed(view, op.TxID)
	}
	for k := uint32(0); k < siblingProbe; k++ {
		if k == op.Index {
			continue
		}
		_, ok, err := view.UTXO(chain.OutPoint{TxID: op.TxID, Index: k})
		if err != nil {
			return false, fmt.Errorf("mempool: read utxo %s:%d: %w", op.TxID, k, err)
		}
		if ok {
			return true, nil
		}
	}
	return false, nil
}

// planEviction finds the packages to evict so that c fits: lowest
// descendant score first, as the scores stand now, each with its
// descendants, never c's own ancestors. It fails with "mempool full" when
// c's own fee rate does not beat a package it would evict, or when the pool
// cannot make room at all. It reads the heap without changing it, so Check
// can use it too.
func (p *Pool) planEviction(c *candidate, need int64) error {
	protect := make(map[*txEntry]bool, len(c.ancestors))
	for _, a := range c.ancestors {
		protect[a] = true
	}
	chosen := map[*txEntry]bool{}
	walk := &heapWalk{h: p.evict}
	walk.push(0)
	var freed int64
	for freed < need {
		i, ok := walk.pop()
		if !ok {
			return reject(RejectFull, ReasonFull, c.txid, "%d bytes do not fit in the pool's %d", c.size, p.cfg.MaxBytes)
		}
		e := p.evict[i]
		if chosen[e] {
			continue
		}
		if protect[e] {
			continue // its own ancestors are never evicted for it
		}
		sf, ss := e.descScore()
		if cmpRate(sf, ss, c.fee, c.size) >= 0 {
			return reject(RejectFull, ReasonFull, c.txid, "fee rate %d/%d does not beat the lowest package in the pool (%d/%d)",
				c.fee, c.size, sf, ss)
		}
		c.bumps = append(c.bumps, [2]int64{e.descFee, e.descSize})
		for _, d := range withDescendants([]*txEntry{e}) {
			if chosen[d] {
				continue
			}
			if protect[d] { // cannot happen: a descendant of e is an ancestor only if e is one
				return reject(RejectFull, ReasonFull, c.txid, "room would take evicting its own ancestor %s", d.txid)
			}
			chosen[d] = true
			c.victims = append(c.victims, d)
			freed += d.size
		}
	}
	return nil
}

// heapWalk visits the eviction heap in ascending order without popping it:
// a second heap over positions of the first, starting at the root and
// adding a position's two children when it is visited.
type heapWalk struct {
	h   evictHeap
	pos []int
}

func (w *heapWalk) Len() int           { return len(w.pos) }
func (w *heapWalk) Less(i, j int) bool { return w.h.Less(w.pos[i], w.pos[j]) }
func (w *heapWalk) Swap(i, j int)      { w.pos[i], w.pos[j] = w.pos[j], w.pos[i] }
func (w *heapWalk) Push(x any)         { w.pos = append(w.pos, x.(int)) }
func (w *heapWalk) Pop() any {
	x := w.pos[len(w.pos)-1]
	w.pos = w.pos[:len(w.pos)-1]
	return x
}

func (w *heapWalk) push(i int) {
	if i < len(w.h) {
		heap.Push(w, i)
	}
}

func (w *heapWalk) pop() (int, bool) {
	if len(w.pos) == 0 {
		return 0, false
	}
	i := heap.Pop(w).(int)
	w.push(2*i + 1)
	w.push(2*i + 2)
	return i, true
}

// adoptOrphans admits the orphans that spend outputs of the given
// transactions (just added to the pool, or confirmed), then those that the
// admitted ones make valid, and so on. An orphan still missing another
// parent stays; one refused for any other reason is dropped.
func (p *Pool) adoptOrphans(parents []chain.Hash, view ChainView, now time.Time) []*txEntry {
	var added []*txEntry
	queue := parents
	for len(queue) > 0 && p.orphans.len() > 0 {
		parent := queue[0]
		queue = queue[1:]
		for _, o := range p.orphans.children(parent) {
			if !p.orphans.has(o.txid) {
				continue // taken earlier in this loop
			}
			e, err := p.admit(o.tx, o.txid, view, now, admitOptions{})
			var re *RejectError
			switch {
			case err == nil:
				p.orphans.remove(o.txid)
				added = append(added, e)
				queue = append(queue, o.txid)
				p.log.Debug("orphan_accepted", "txid", o.txid)
			case errors.As(err, &re) && re.Code == RejectOrphan:
				// another parent is still missing
			case errors.As(err, &re):
				p.orphans.remove(o.txid)
				p.log.Debug("orphan_dropped", "txid", o.txid, "err", err)
			default:
				p.log.Error("orphan_retry_failed", "txid", o.txid, "err", err)
			}
		}
	}
	return added
}

// TxIndex is what a ChainView with a transaction index (the engine) also
// offers: with it the pool tells a spent input from an unknown one exactly,
// instead of by the recent blocks it saw and the sibling outputs.
type TxIndex interface {
	TxLocation(txid chain.Hash) (store.TxLocation, bool, error)
}

// isConfirmed reports whether the view's transaction index holds txid
// (false when the view has no index).
func isConfirmed(view ChainView, txid chain.Hash) (bool, error) {
	ix, ok := view.(TxIndex)
	if !ok {
		return false, nil
	}
	_, found, err := ix.TxLocation(txid)
	if err != nil {
		return false, fmt.Errorf("mempool: transaction index: %w", err)
	}
	return found, nil
}
