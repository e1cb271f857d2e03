package mempool

import (
	"container/list"
	"slices"
	"time"

	"github.com/devchain/devchain/chain"
)

// orphanTx is a transaction waiting for the transactions it spends from.
type orphanTx struct {
	tx    *chain.Transaction
	txid  chain.Hash
	size  int64
	added time.Time
	seq   uint64
	elem  *list.Element
}

// orphanPool holds transactions with unknown inputs, bounded in count and
// bytes, oldest evicted first, each for at most ttl. Signatures are not
// checked on the way in (the spent outputs are unknown); an orphan is fully
// validated when a parent arrives.
type orphanPool struct {
	maxCount int
	maxBytes int64
	ttl      time.Duration

	byID     map[chain.Hash]*orphanTx
	byParent map[chain.Hash][]*orphanTx // parent txid -> orphans spending from it
	order    list.List                  // of *orphanTx, oldest first (in the struct: one cache line less per block to see it empty)
	bytes    int64
	nextSeq  uint64
}

func newOrphanPool(maxCount int, maxBytes int64, ttl time.Duration) *orphanPool {
	return &orphanPool{
		maxCount: maxCount,
		maxBytes: maxBytes,
		ttl:      ttl,
		byID:     map[chain.Hash]*orphanTx{},
		byParent: map[chain.Hash][]*orphanTx{},
	}
}

func (op *orphanPool) len() int { return op.order.Len() }

func (op *orphanPool) has(txid chain.Hash) bool {
	_, ok := op.byID[txid]
	return ok
}

// add keeps tx, first evicting the oldest orphans until it fits. It returns
// false when tx alone is larger than the pool's byte bound.
func (op *orphanPool) add(tx *chain.Transaction, txid chain.Hash, now time.Time) (kept bool, evicted []*orphanTx) {
	if op.has(txid) {
		return true, nil
	}
	size := int64(tx.SerializeSize())
	if size > op.maxBytes {
		return false, nil
	}
	for op.order.Len() > 0 && (op.len() >= op.maxCount || op.bytes+size > op.maxBytes) {
		oldest := op.order.Front().Value.(*orphanTx)
		op.remove(oldest.txid)
		evicted = append(evicted, oldest)
	}
	o := &orphanTx{tx: tx, txid: txid, size: size, added: now, seq: op.nextSeq}
	op.nextSeq++
	o.elem = op.order.PushBack(o)
	op.byID[txid] = o
	op.bytes += size
	for _, parent := range parentTxIDs(tx) {
		op.byParent[parent] = append(op.byParent[parent], o)
	}
	return true, evicted
}

// parentTxIDs returns the distinct txids tx spends from, in input order.
func parentTxIDs(tx *chain.Transaction) []chain.Hash {
	ids := make([]chain.Hash, 0, len(tx.Inputs))
	for _, in := range tx.Inputs {
		if !slices.Contains(ids, in.PrevOut.TxID) {
			ids = append(ids, in.PrevOut.TxID)
		}
	}
	return ids
}

// remove drops an orphan.
func (op *orphanPool) remove(txid chain.Hash) {
	o, ok := op.byID[txid]
	if !ok {
		return
	}
	delete(op.byID, txid)
	op.order.Remove(o.elem)
	op.bytes -= o.size
	for _, parent := range parentTxIDs(o.tx) {
		rest := slices.DeleteFunc(op.byParent[parent], func(x *orphanTx) bool { return x == o })
		if len(rest) == 0 {
			delete(op.byParent, parent)
		} else {
			op.byParent[parent] = rest
		}
	}
}

// expire drops the orphans that have waited ttl or longer at now, walking
// from the oldest arrival (arrival order is time order when callers pass
// non-decreasing times).
func (op *orphanPool) expire(now time.Time) []*orphanTx {
	var out []*orphanTx
	for op.order.Len() > 0 {
		o := op.order.Front().Value.(*orphanTx)
		if now.Before(o.added.Add(op.ttl)) {
			break
		}
		op.remove(o.txid)
		out = append(out, o)
	}
	return out
}

// children returns the orphans spending from txid, oldest first.
func (op *orphanPool) children(txid chain.Hash) []*orphanTx {
	return slices.Clone(op.byParent[txid])
}

// removeForBlock drops the orphans a connected block settles: those it
// confirms and those spending an output it spent.
func (op *orphanPool) removeForBlock(txid chain.Hash, tx *chain.Transaction, coinbase bool) []*orphanTx {
	var out []*orphanTx
	if o, ok := op.byID[txid]; ok {
		op.remove(txid)
		out = append(out, o)
	}
	if coinbase {
		return out
	}
	for _, in := range tx.Inputs {
		for _, o := range op.children(in.PrevOut.TxID) {
			for _, oin := range o.tx.Inputs {
				if oin.PrevOut == in.PrevOut {
					op.remove(o.txid)
					out = append(out, o)
					break
				}
			}
		}
	}
	return out
}
