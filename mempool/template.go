package mempool

import (
	"container/heap"
	"slices"

	"github.com/devchain/devchain/chain"
)

// minTxSize is the size of the smallest transaction that spends anything:
// one input, one output.
var minTxSize = int64((&chain.Transaction{Inputs: make([]chain.TxIn, 1), Outputs: make([]chain.TxOut, 1)}).SerializeSize())

// Template selects transactions for a block whose transactions (coinbase
// excluded) may take at most maxBytes, and returns them in block order with
// their total fee. It is Bitcoin Core's ancestor-package selection
// (CPFP-aware): the transaction whose not-yet-selected ancestors together
// pay the highest fee rate goes in next with those ancestors, parents first;
// the packages of its descendants are then rescored without it. A package
// that does not fit is skipped and smaller ones are still tried. Equal fee
// rates go by arrival.
//
// The transactions are valid in a block at the view's Height()+1 as of the
// last Accept or BlocksChanged: call it under the same lock that keeps the
// pool in step with the chain.
func (p *Pool) Template(maxBytes int64) ([]*chain.Transaction, int64) {
	p.mu.RLock()
	defer p.mu.RUnlock()
	if maxBytes <= 0 || len(p.entries) == 0 {
		return nil, 0
	}
	states := make(map[*txEntry]*pkgState, len(p.entries))
	q := &pkgQueue{}
	for _, e := range p.evict {
		s := &pkgState{fee: e.ancFee, size: e.ancSize}
		states[e] = s
		q.items = append(q.items, pkgItem{e: e, fee: s.fee, size: s.size})
	}
	heap.Init(q)

	var txs []*chain.Transaction
	var total int64
	remaining := maxBytes
	for q.Len() > 0 && remaining >= minTxSize {
		it := heap.Pop(q).(pkgItem)
		s := states[it.e]
		if s.included || it.version != s.version {
			continue
		}
		if s.size > remaining {
			continue
		}
		pkg := []*txEntry{it.e}
		for _, a := range ancestorsOf(it.e.parents) {
			if !states[a].included {
				pkg = append(pkg, a)
			}
		}
		slices.SortFunc(pkg, func(a, b *txEntry) int {
			if a.ancCount != b.ancCount {
				return int(a.ancCount - b.ancCount) // an ancestor has fewer ancestors
			}
			return cmpSeq(a, b)
		})
		for _, x := range pkg {
			states[x].included = true
			txs = append(txs, x.tx)
			total += x.fee
			remaining -= x.size
		}
		var dirty []*txEntry
		seen := map[*txEntry]bool{}
		for _, x := range pkg {
			for _, d := range withDescendants(x.children) {
				ds := states[d]
				if ds.included {
					continue
				}
				ds.fee -= x.fee
				ds.size -= x.size
				ds.version++
				if !seen[d] {
					seen[d] = true
					dirty = append(dirty, d)
				}
			}
		}
		slices.SortFunc(dirty, cmpSeq)
		for _, d := range dirty {
			ds := states[d]
			heap.Push(q, pkgItem{e: d, fee: ds.fee, size: ds.size, version: ds.version})
		}
	}
	return txs, total
}

// pkgState is a transaction's not-yet-selected ancestor package during
// Template.
type pkgState struct {
	fee, size int64
	version   int
	included  bool
}

type pkgItem struct {
	e         *txEntry
	fee, size int64
	version   int
}

// pkgQueue is a max-heap of packages by fee rate, then arrival.
type pkgQueue struct{ items []pkgItem }

func (q *pkgQueue) Len() int { return len(q.items) }
func (q *pkgQueue) Less(i, j int) bool {
	a, b := &q.items[i], &q.items[j]
	if c := cmpRate(a.fee, a.size, b.fee, b.size); c != 0 {
		return c > 0
	}
	return a.e.seq < b.e.seq
}
func (q *pkgQueue) Swap(i, j int) { q.items[i], q.items[j] = q.items[j], q.items[i] }
func (q *pkgQueue) Push(x any)    { q.items = append(q.items, x.(pkgItem)) }
func (q *pkgQueue) Pop() any {
	it := q.items[len(q.items)-1]
	q.items = q.items[:len(q.items)-1]
	return it
}
