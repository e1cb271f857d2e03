package mempool

import (
	"sync"

	"github.com/devchain/devchain/chain"
)

// The recent-block window is bounded twice: by entries (transactions and
// spent outputs) and by blocks. Whole blocks are forgotten, oldest first;
// the newest block is always kept.
const (
	maxRecentEntries = 1 << 18
	// maxRecentBlocks is a day of ten-minute blocks. A node without a
	// transaction index judges a transaction spending an output that a
	// block spent longer ago an orphan instead of "missing inputs": it
	// waits in the bounded orphan pool until it expires, which is
	// harmless, and a node that runs for months (or a simulation of a
	// thousand nodes) keeps a bounded record of blocks.
	maxRecentBlocks = 144
)

// recentBlocks remembers what recent connected blocks confirmed and spent,
// so that a transaction spending an output a block spent is refused as
// spent rather than kept as an orphan, and a confirmed transaction sent
// again is "txn-already-known". A disconnected block is forgotten.
//
// Coinbases are left out: one is never sent alone (the pool refuses it as
// a coinbase first), and its outputs, immature for CoinbaseMaturity blocks,
// stay in the UTXO set until a block spends them, when that block's spent
// outputs are remembered. So a block with a coinbase alone costs a record
// and no hash.
//
// Every connected block of every node passes through here, so the window
// costs no allocation once warm and holds no pointer: the blocks, their
// txids and their spent outputs are three ring buffers of plain values
// (the garbage collector does not scan them). The counts by txid and by
// outpoint that answer the questions are built at the first question and
// kept from then on: a node that relays blocks and never judges a
// transaction with a missing input (a simulated node without
// transactions) does not pay for them.
type recentBlocks struct {
	// maxEntries and maxBlocks are maxRecentEntries and maxRecentBlocks
	// (smaller in tests).
	maxEntries, maxBlocks int

	blocks  ring[recentBlock]
	txids   ring[chain.Hash]     // every remembered block's txids but the coinbase's, in order
	spentOp ring[chain.OutPoint] // every remembered block's spent outputs
	entries int

	// indexing builds txs and spent once, under the pool's read lock
	// (Check) as well as its write lock. Changes of the window (under the
	// write lock only) keep them once built.
	indexing sync.Once
	txs      map[chain.Hash]int32     // nil until the first question
	spent    map[chain.OutPoint]int32 // nil until the first question
}

// recentBlock is one remembered block: its hash and how many of the
// queued txids and outpoints are its own.
type recentBlock struct {
	hash           chain.Hash
	ntxids, nspent int32
}

func newRecentBlocks() *recentBlocks {
	return &recentBlocks{maxEntries: maxRecentEntries, maxBlocks: maxRecentBlocks}
}

func (rb *recentBlocks) hasTx(txid chain.Hash) bool {
	rb.indexing.Do(rb.index)
	return rb.txs[txid] > 0
}

func (rb *recentBlocks) hasSpent(op chain.OutPoint) bool {
	rb.indexing.Do(rb.index)
	return rb.spent[op] > 0
}

// index counts the remembered txids and spent outputs.
func (rb *recentBlocks) index() {
	rb.txs = make(map[chain.Hash]int32, rb.txids.len())
	rb.spent = make(map[chain.OutPoint]int32, rb.spentOp.len())
	for i := range rb.txids.len() {
		rb.txs[rb.txids.at(i)]++
	}
	for i := range rb.spentOp.len() {
		rb.spent[rb.spentOp.at(i)]++
	}
}

// len returns the number of blocks remembered.
func (rb *recentBlocks) len() int { return rb.blocks.len() }

// remember adds a connected block. txids are the txids of its
// transactions, coinbase first, when the caller has them (nil: they are
// computed here).
func (rb *recentBlocks) remember(hash chain.Hash, b *chain.Block, txids []chain.Hash) {
	if rb.blocks.items == nil {
		rb.blocks.reserve(rb.maxBlocks + 1) // the window's size from the start: no growth, no slack
	}
	rec := recentBlock{hash: hash}
	counted := rb.txs != nil
	for i, tx := range b.Transactions {
		if i == 0 {
			continue // the coinbase: see above
		}
		var txid chain.Hash
		if txids != nil {
			txid = txids[i]
		} else {
			txid = tx.TxID()
		}
		rb.txids.push(txid)
		rec.ntxids++
		if counted {
			rb.txs[txid]++
		}
		for _, in := range tx.Inputs {
			rb.spentOp.push(in.PrevOut)
			if counted {
				rb.spent[in.PrevOut]++
			}
			rec.nspent++
		}
	}
	rb.entries += int(rec.ntxids + rec.nspent)
	rb.blocks.push(rec)
	for (rb.entries > rb.maxEntries || rb.len() > rb.maxBlocks) && rb.len() > 1 {
		rb.dropOldest()
	}
}

// forget removes a disconnected block. Disconnected blocks were the newest
// connected ones, so the search starts from the newest.
func (rb *recentBlocks) forget(hash chain.Hash) {
	txEnd, spentEnd := rb.txids.len(), rb.spentOp.len()
	for i := rb.blocks.len() - 1; i >= 0; i-- {
		rec := rb.blocks.at(i)
		txStart, spentStart := txEnd-int(rec.ntxids), spentEnd-int(rec.nspent)
		if rec.hash == hash {
			rb.uncount(txStart, txEnd, spentStart, spentEnd)
			rb.txids.remove(txStart, txEnd)
			rb.spentOp.remove(spentStart, spentEnd)
			rb.blocks.remove(i, i+1)
			return
		}
		txEnd, spentEnd = txStart, spentStart
	}
}

func (rb *recentBlocks) dropOldest() {
	rec := rb.blocks.at(0)
	rb.uncount(0, int(rec.ntxids), 0, int(rec.nspent))
	rb.txids.dropFront(int(rec.ntxids))
	rb.spentOp.dropFront(int(rec.nspent))
	rb.blocks.dropFront(1)
}

// uncount takes the txids [txFrom, txTo) and the outpoints [spentFrom,
// spentTo) of a block being forgotten off the counts.
func (rb *recentBlocks) uncount(txFrom, txTo, spentFrom, spentTo int) {
	rb.entries -= txTo - txFrom + spentTo - spentFrom
	if rb.txs == nil {
		return
	}
	for i := txFrom; i < txTo; i++ {
		id := rb.txids.at(i)
		if rb.txs[id]--; rb.txs[id] <= 0 {
			delete(rb.txs, id)
		}
	}
	for i := spentFrom; i < spentTo; i++ {
		op := rb.spentOp.at(i)
		if rb.spent[op]--; rb.spent[op] <= 0 {
			delete(rb.spent, op)
		}
	}
}

// ring is a queue of plain values in a ring buffer: pushed at the back,
// dropped from the front in O(1), a range near the back removed by moving
// what follows it. It grows by doubling when full and never shrinks, so a
// window that has reached its size allocates nothing more.
type ring[T any] struct {
	items []T // len(items) is the capacity
	head  int // the index in items of item 0
	n     int
}

func (q *ring[T]) len() int       { return q.n }
func (q *ring[T]) at(i int) T     { return q.items[q.index(i)] }
func (q *ring[T]) set(i int, v T) { q.items[q.index(i)] = v }

func (q *ring[T]) index(i int) int {
	k := q.head + i
	if k >= len(q.items) {
		k -= len(q.items)
	}
	return k
}

func (q *ring[T]) push(v T) {
	if q.n == len(q.items) {
		q.reserve(max(16, 2*len(q.items)))
	}
	q.set(q.n, v)
	q.n++
}

// reserve makes room for capacity items.
func (q *ring[T]) reserve(capacity int) {
	if capacity <= len(q.items) {
		return
	}
	items := make([]T, capacity)
	for i := range q.n {
		items[i] = q.at(i)
	}
	q.items, q.head = items, 0
}

// dropFront forgets the n oldest items.
func (q *ring[T]) dropFront(n int) {
	if n == 0 {
		return
	}
	q.head = q.index(n)
	q.n -= n
}

// remove removes items [i, j).
func (q *ring[T]) remove(i, j int) {
	for k := j; k < q.n; k++ {
		q.set(k-(j-i), q.at(k))
	}
	q.n -= j - i
}
