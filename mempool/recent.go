package mempool

import (
	"slices"
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
// txids and their spent outputs are three queues of plain values (the
// garbage collector does not scan them). The counts by txid and by
// outpoint that answer the questions are built at the first question and
// kept from then on: a node that relays blocks and never judges a
// transaction with a missing input (a simulated node without
// transactions) does not pay for them.
type recentBlocks struct {
	// maxEntries and maxBlocks are maxRecentEntries and maxRecentBlocks
	// (smaller in tests).
	maxEntries, maxBlocks int

	blocks  fifo[recentBlock]
	txids   fifo[chain.Hash]     // every remembered block's txids but the coinbase's, in order
	spentOp fifo[chain.OutPoint] // every remembered block's spent outputs
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

// remember adds a connected block and returns the txids of its
// transactions after the coinbase, in block order: the window's own copy,
// valid until the window next changes (the caller needs them too, and each
// costs a hash).
func (rb *recentBlocks) remember(hash chain.Hash, b *chain.Block) []chain.Hash {
	txs := b.Transactions[min(1, len(b.Transactions)):]
	rec := recentBlock{hash: hash, ntxids: int32(len(txs))}
	counted := rb.txs != nil
	for _, tx := range txs {
		txid := tx.TxID()
		rb.txids.push(txid)
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
	return rb.txids.tail(int(rec.ntxids))
}

// forget removes a disconnected block. Disconnected blocks were the newest
// connected ones, so the search starts from the newest.
func (rb *recentBlocks) forget(hash chain.Hash) {
	txEnd, spentEnd := rb.txids.len(), rb.spentOp.len()
	for i := rb.blocks.len() - 1; i >= 0; i-- {
		rec := rb.blocks.at(i)
		txStart, spentStart := txEnd-int(rec.ntxids), spentEnd-int(rec.nspent)
		if rec.hash == hash {
			rb.uncount(rb.txids.slice(txStart, txEnd), rb.spentOp.slice(spentStart, spentEnd))
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
	rb.uncount(rb.txids.slice(0, int(rec.ntxids)), rb.spentOp.slice(0, int(rec.nspent)))
	rb.txids.dropFront(int(rec.ntxids))
	rb.spentOp.dropFront(int(rec.nspent))
	rb.blocks.dropFront(1)
}

// uncount takes a forgotten block's txids and outpoints off the counts.
func (rb *recentBlocks) uncount(txids []chain.Hash, spent []chain.OutPoint) {
	rb.entries -= len(txids) + len(spent)
	if rb.txs == nil {
		return
	}
	for _, id := range txids {
		if rb.txs[id]--; rb.txs[id] <= 0 {
			delete(rb.txs, id)
		}
	}
	for _, op := range spent {
		if rb.spent[op]--; rb.spent[op] <= 0 {
			delete(rb.spent, op)
		}
	}
}

// fifo is a queue of plain values: the oldest leave from the front in O(1)
// amortised (the live items are moved down once at least as many are
// spent, so the slice stays within twice the window and a full window pays
// a push and a pop per block), and a range near the back is removed by
// shifting what follows it.
type fifo[T any] struct {
	items []T // live from index head
	head  int
}

func (q *fifo[T]) len() int           { return len(q.items) - q.head }
func (q *fifo[T]) at(i int) T         { return q.items[q.head+i] }
func (q *fifo[T]) slice(i, j int) []T { return q.items[q.head+i : q.head+j] }
func (q *fifo[T]) tail(n int) []T     { return q.items[len(q.items)-n:] }
func (q *fifo[T]) push(v T)           { q.items = append(q.items, v) }
func (q *fifo[T]) remove(i, j int)    { q.items = slices.Delete(q.items, q.head+i, q.head+j) }

// dropFront forgets the n oldest items.
func (q *fifo[T]) dropFront(n int) {
	q.head += n
	if q.head*2 >= len(q.items) {
		k := copy(q.items, q.items[q.head:])
		q.items = q.items[:k]
		q.head = 0
	}
}
