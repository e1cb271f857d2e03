package mempool

import (
	"fmt"
	"testing"

	"github.com/devchain/devchain/chain"
)

// recentTestBlock is block i: a coinbase and spends more transactions,
// each spending one made-up output.
func recentTestBlock(i, spends int) *chain.Block {
	cb := chain.NewCoinbase(uint32(i), fmt.Appendf(nil, "block %d", i), chain.TxOut{Amount: 1})
	b := &chain.Block{Header: chain.BlockHeader{Nonce: uint32(i)}, Transactions: []*chain.Transaction{cb}}
	for k := range spends {
		op := chain.OutPoint{TxID: chain.DoubleSHA256(fmt.Appendf(nil, "parent %d %d", i, k))}
		b.Transactions = append(b.Transactions, &chain.Transaction{Version: 1,
			Inputs: []chain.TxIn{{PrevOut: op}}, Outputs: []chain.TxOut{{Amount: 1}}})
	}
	return b
}

// The recent-block window keeps the newest maxRecentBlocks blocks, forgets
// the oldest first, and forgets a disconnected block wherever it is. (It is
// first asked once full: its counts are built from the queues.)
func TestRecentBlocksWindowInBlocks(t *testing.T) {
	rb := newRecentBlocks()
	total := maxRecentBlocks + 50
	var hashes []chain.Hash
	var txids []chain.Hash
	for i := range total {
		b := recentTestBlock(i, 1)
		if i%2 == 0 {
			rb.remember(b.Hash(), b, nil)
		} else {
			rb.remember(b.Hash(), b, b.TxIDs())
		}
		hashes, txids = append(hashes, b.Hash()), append(txids, b.Transactions[1].TxID())
	}
	if rb.len() != maxRecentBlocks || rb.entries != 2*maxRecentBlocks {
		t.Fatalf("%d blocks, %d entries, want %d blocks of 2", rb.len(), rb.entries, maxRecentBlocks)
	}
	if rb.hasTx(txids[49]) || !rb.hasTx(txids[50]) || !rb.hasTx(txids[total-1]) {
		t.Fatal("the window does not hold exactly the newest blocks")
	}
	if len(rb.blocks.items) != maxRecentBlocks+1 || len(rb.txids.items) > 2*maxRecentBlocks {
		t.Fatalf("%d and %d slots for %d blocks: the window outgrew its size",
			len(rb.blocks.items), len(rb.txids.items), rb.len())
	}
	rb.forget(hashes[total-1])
	rb.forget(hashes[total-100])
	rb.forget(hashes[10]) // long gone: nothing happens
	if rb.hasTx(txids[total-1]) || rb.hasTx(txids[total-100]) || !rb.hasTx(txids[total-2]) || rb.len() != maxRecentBlocks-2 {
		t.Fatal("forget removed the wrong blocks")
	}
}

// A coinbase is not remembered: a block of a coinbase alone is a record,
// with nothing to hash.
func TestRecentBlocksLeaveCoinbasesOut(t *testing.T) {
	rb := newRecentBlocks()
	b := recentTestBlock(1, 0)
	if rb.remember(b.Hash(), b, nil); rb.txids.len() != 0 || rb.entries != 0 || rb.len() != 1 {
		t.Fatalf("a coinbase-only block: %d txids, %d entries, %d blocks", rb.txids.len(), rb.entries, rb.len())
	}
	if rb.hasTx(b.Transactions[0].TxID()) {
		t.Fatal("the coinbase is remembered")
	}
}

// Blocks full of transactions are bounded by entries first (the newest
// block is kept even when it alone is over), and forgetting a block in the
// middle of the window takes exactly its txids and spent outputs. (It is
// asked from the first block on: its counts are kept as it changes.)
func TestRecentBlocksWindowInEntries(t *testing.T) {
	rb := newRecentBlocks()
	rb.maxEntries = 1000
	const spends = 1000 / 8 // each block: spends txids and outpoints, and a coinbase
	var blocks []*chain.Block
	for i := range 6 {
		b := recentTestBlock(i, spends)
		rb.remember(b.Hash(), b, nil)
		blocks = append(blocks, b)
		if i == 0 && !rb.hasTx(b.Transactions[1].TxID()) { // the counts are kept from here on
			t.Fatal("the first block's transaction is not remembered")
		}
	}
	perBlock := 2 * spends
	if want := rb.maxEntries / perBlock; rb.len() != want || rb.entries != want*perBlock {
		t.Fatalf("%d blocks, %d entries, want %d blocks", rb.len(), rb.entries, want)
	}
	oldest := 6 - rb.len()
	spent := func(b *chain.Block) chain.OutPoint { return b.Transactions[1].Inputs[0].PrevOut }
	if rb.hasSpent(spent(blocks[oldest-1])) || !rb.hasSpent(spent(blocks[oldest])) {
		t.Fatal("the window does not hold exactly the newest blocks")
	}
	middle := blocks[4]
	rb.forget(middle.Hash())
	if rb.hasTx(middle.Transactions[spends].TxID()) || rb.hasSpent(spent(middle)) {
		t.Fatal("a forgotten block's transactions are still remembered")
	}
	for _, b := range []*chain.Block{blocks[3], blocks[5]} {
		if !rb.hasTx(b.Transactions[spends].TxID()) || !rb.hasSpent(b.Transactions[spends].Inputs[0].PrevOut) {
			t.Fatal("forgetting one block forgot its neighbours' transactions")
		}
	}

	huge := recentTestBlock(99, rb.maxEntries)
	rb.remember(huge.Hash(), huge, nil)
	if rb.len() != 1 || !rb.hasTx(huge.Transactions[1].TxID()) {
		t.Fatalf("%d blocks after one over the bound, want it alone", rb.len())
	}
}

// Remembering a block costs no allocation once the window is warm.
func TestRecentBlocksRememberAllocs(t *testing.T) {
	rb := newRecentBlocks()
	blocks := make([]*chain.Block, 4*maxRecentBlocks)
	for i := range blocks {
		blocks[i] = recentTestBlock(i, 1)
	}
	for _, b := range blocks[:2*maxRecentBlocks] {
		rb.remember(b.Hash(), b, nil)
	}
	i := 2 * maxRecentBlocks
	allocs := testing.AllocsPerRun(maxRecentBlocks, func() {
		b := blocks[i]
		rb.remember(b.Hash(), b, nil)
		i++
	})
	if allocs > 0.1 {
		t.Fatalf("%.2f allocations per block remembered", allocs)
	}
}

// The ring buffer behaves as a slice would, across wrap-arounds and
// growth: a random mix of pushes, drops from the front and removals near
// the back, checked against a plain slice.
func TestRingAgainstSlice(t *testing.T) {
	var q ring[int]
	var model []int
	rng := uint64(1)
	next := func(n int) int { // xorshift: deterministic, no import
		rng ^= rng << 13
		rng ^= rng >> 7
		rng ^= rng << 17
		return int(rng % uint64(n))
	}
	most := 0
	for step := range 5000 {
		switch op := next(20); {
		case op < 14:
			q.push(step)
			model = append(model, step)
		case op < 17 && len(model) > 0:
			n := 1 + next(min(len(model), 3))
			q.dropFront(n)
			model = model[n:]
		case len(model) > 0:
			j := len(model) - next(min(len(model), 5))
			i := j - next(j-max(0, j-4)+1)
			q.remove(i, j)
			model = append(model[:i:i], model[j:]...)
		}
		most = max(most, len(model))
		if q.len() != len(model) {
			t.Fatalf("step %d: %d items, want %d", step, q.len(), len(model))
		}
		for i, v := range model {
			if q.at(i) != v {
				t.Fatalf("step %d: item %d is %d, want %d", step, i, q.at(i), v)
			}
		}
	}
	if most < 64 {
		t.Fatalf("the queue held at most %d items: the ring never grew much", most)
	}
}
