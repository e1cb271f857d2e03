package mempool

import (
	"container/heap"
	"slices"
	"time"

	"github.com/devchain/devchain/chain"
)

// txEntry is a pool transaction with its links to in-pool parents and
// children and the aggregates Bitcoin Core keeps per entry: fee and size of
// the transaction with all its in-pool ancestors, and with all its in-pool
// descendants. Chain limits (MaxAncestors, MaxDescendants) bound every walk
// over these links.
type txEntry struct {
	tx     *chain.Transaction
	txid   chain.Hash
	fee    int64
	size   int64
	time   time.Time
	height uint32
	seq    uint64 // arrival order

	parents  []*txEntry // distinct in-pool parents, in input order
	children []*txEntry // in-pool children, in arrival order

	ancCount, ancSize, ancFee    int64 // including the entry itself
	descCount, descSize, descFee int64 // including the entry itself

	// cbHeight is the highest creation height of the confirmed coinbase
	// outputs it spends, -1 for none: a reorg that lowers the tip can make
	// such a spend immature again.
	cbHeight int64

	heapIdx int // position in Pool.evict
}

// descScore is Bitcoin Core's eviction score: the higher of the entry's own
// fee rate and the fee rate of it with its descendants, so a parent whose
// child pays for it (CPFP) is not evicted first.
func (e *txEntry) descScore() (fee, size int64) {
	if cmpRate(e.fee, e.size, e.descFee, e.descSize) >= 0 {
		return e.fee, e.size
	}
	return e.descFee, e.descSize
}

// evictLess orders entries from first to evict: lowest descendant score,
// and of equal scores the newest.
func evictLess(a, b *txEntry) bool {
	af, as := a.descScore()
	bf, bs := b.descScore()
	if c := cmpRate(af, as, bf, bs); c != 0 {
		return c < 0
	}
	return a.seq > b.seq
}

// evictHeap is a min-heap of entries by evictLess.
type evictHeap []*txEntry

func (h evictHeap) Len() int           { return len(h) }
func (h evictHeap) Less(i, j int) bool { return evictLess(h[i], h[j]) }
func (h evictHeap) Swap(i, j int) {
	h[i], h[j] = h[j], h[i]
	h[i].heapIdx = i
	h[j].heapIdx = j
}
func (h *evictHeap) Push(x any) {
	e := x.(*txEntry)
	e.heapIdx = len(*h)
	*h = append(*h, e)
}
func (h *evictHeap) Pop() any {
	old := *h
	e := old[len(old)-1]
	old[len(old)-1] = nil
	*h = old[:len(old)-1]
	e.heapIdx = -1
	return e
}

func parentsOf(e *txEntry) []*txEntry  { return e.parents }
func childrenOf(e *txEntry) []*txEntry { return e.children }

// closure returns the entries reachable from start through next, start
// included, each once, in breadth-first order.
func closure(start []*txEntry, next func(*txEntry) []*txEntry) []*txEntry {
	seen := make(map[*txEntry]struct{}, len(start))
	out := make([]*txEntry, 0, len(start))
	for _, e := range start {
		if _, ok := seen[e]; !ok {
			seen[e] = struct{}{}
			out = append(out, e)
		}
	}
	for i := 0; i < len(out); i++ {
		for _, n := range next(out[i]) {
			if _, ok := seen[n]; !ok {
				seen[n] = struct{}{}
				out = append(out, n)
			}
		}
	}
	return out
}

// withDescendants returns roots and all their in-pool descendants.
func withDescendants(roots []*txEntry) []*txEntry { return closure(roots, childrenOf) }

// ancestorsOf returns the in-pool ancestors of a transaction whose in-pool
// parents are parents.
func ancestorsOf(parents []*txEntry) []*txEntry { return closure(parents, parentsOf) }

// topoOrder sorts entries parents first, otherwise in arrival order.
func topoOrder(set []*txEntry) []*txEntry {
	in := make(map[*txEntry]bool, len(set))
	for _, e := range set {
		in[e] = true
	}
	sorted := slices.Clone(set)
	slices.SortFunc(sorted, func(a, b *txEntry) int { return cmpSeq(a, b) })
	out := make([]*txEntry, 0, len(set))
	done := make(map[*txEntry]bool, len(set))
	var visit func(e *txEntry)
	visit = func(e *txEntry) {
		if done[e] || !in[e] {
			return
		}
		done[e] = true
		for _, par := range e.parents {
			visit(par)
		}
		out = append(out, e)
	}
	for _, e := range sorted {
		visit(e)
	}
	return out
}

func cmpSeq(a, b *txEntry) int {
	switch {
	case a.seq < b.seq:
		return -1
	case a.seq > b.seq:
		return 1
	}
	return 0
}

// insert links e (with its parents set and ancestors computed) into the
// pool and updates the aggregates of its ancestors.
func (p *Pool) insert(e *txEntry, ancestors []*txEntry) {
	e.ancCount, e.ancSize, e.ancFee = 1, e.size, e.fee
	for _, a := range ancestors {
		e.ancCount++
		e.ancSize += a.size
		e.ancFee += a.fee
		a.descCount++
		a.descSize += e.size
		a.descFee += e.fee
		heap.Fix(&p.evict, a.heapIdx)
	}
	e.descCount, e.descSize, e.descFee = 1, e.size, e.fee
	for _, par := range e.parents {
		par.children = append(par.children, e)
	}
	for _, in := range e.tx.Inputs {
		p.spent[in.PrevOut] = e
	}
	p.entries[e.txid] = e
	p.bytes += e.size
	p.totalFee += e.fee
	heap.Push(&p.evict, e)
	if e.cbHeight >= 0 {
		p.cbSpenders[e] = struct{}{}
	}
}

// removeSet takes entries out of the pool. Entries outside the set keep
// consistent aggregates: ancestors lose the removed descendants, and
// descendants left behind (children of a confirmed transaction) lose the
// removed ancestors.
func (p *Pool) removeSet(set []*txEntry) {
	in := make(map[*txEntry]bool, len(set))
	for _, r := range set {
		in[r] = true
	}
	for _, r := range set {
		for _, a := range ancestorsOf(r.parents) {
			if !in[a] {
				a.descCount--
				a.descSize -= r.size
				a.descFee -= r.fee
				heap.Fix(&p.evict, a.heapIdx)
			}
		}
		for _, d := range withDescendants(r.children) {
			if !in[d] {
				d.ancCount--
				d.ancSize -= r.size
				d.ancFee -= r.fee
			}
		}
	}
	for _, r := range set {
		for _, par := range r.parents {
			par.children = slices.DeleteFunc(par.children, func(c *txEntry) bool { return c == r })
		}
		for _, c := range r.children {
			c.parents = slices.DeleteFunc(c.parents, func(x *txEntry) bool { return x == r })
		}
		r.parents, r.children = nil, nil
		for _, txin := range r.tx.Inputs {
			if p.spent[txin.PrevOut] == r {
				delete(p.spent, txin.PrevOut)
			}
		}
		delete(p.entries, r.txid)
		delete(p.cbSpenders, r)
		p.bytes -= r.size
		p.totalFee -= r.fee
		heap.Remove(&p.evict, r.heapIdx)
	}
}

// snapshot copies an entry for callers: the pool changes its own entries
// under its lock, callers read theirs freely.
func (e *txEntry) snapshot() *Entry {
	out := &Entry{
		Tx:              e.tx,
		TxID:            e.txid,
		Fee:             e.fee,
		Size:            e.size,
		Time:            e.time,
		Height:          e.height,
		AncestorCount:   e.ancCount,
		AncestorSize:    e.ancSize,
		AncestorFees:    e.ancFee,
		DescendantCount: e.descCount,
		DescendantSize:  e.descSize,
		DescendantFees:  e.descFee,
	}
	for _, par := range e.parents {
		out.Depends = append(out.Depends, par.txid)
	}
	for _, c := range e.children {
		out.SpentBy = append(out.SpentBy, c.txid)
	}
	return out
}

func snapshots(es []*txEntry) []*Entry {
	out := make([]*Entry, len(es))
	for i, e := range es {
		out[i] = e.snapshot()
	}
	return out
}
