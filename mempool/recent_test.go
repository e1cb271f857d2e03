package mempool

import (
	"fmt"
	"testing"

	"github.com/devchain/devchain/chain"
)

// The recent-block window keeps the newest blocks up to maxRecentEntries
// entries, forgets the oldest first (always keeping the newest), and
// forgets a disconnected block wherever it is.
func TestRecentBlocksWindow(t *testing.T) {
	rb := newRecentBlocks()
	block := func(i int) (chain.Hash, *chain.Block, []chain.Hash) {
		cb := chain.NewCoinbase(uint32(i), fmt.Appendf(nil, "block %d", i), chain.TxOut{Amount: 1})
		b := &chain.Block{Header: chain.BlockHeader{Nonce: uint32(i)}, Transactions: []*chain.Transaction{cb}}
		return b.Hash(), b, b.TxIDs()
	}
	total := maxRecentEntries + 5000
	var hashes []chain.Hash
	var txids []chain.Hash
	for i := range total {
		h, b, ids := block(i)
		rb.remember(h, b, ids)
		hashes, txids = append(hashes, h), append(txids, ids[0])
	}
	if rb.len() != maxRecentEntries || rb.entries != maxRecentEntries {
		t.Fatalf("%d blocks, %d entries, want %d of each", rb.len(), rb.entries, maxRecentEntries)
	}
	if rb.hasTx(txids[4999]) || !rb.hasTx(txids[5000]) || !rb.hasTx(txids[total-1]) {
		t.Fatal("the window does not hold exactly the newest blocks")
	}
	if len(rb.blocks) > 2*maxRecentEntries {
		t.Fatalf("%d slots for %d blocks: the queue is not compacted", len(rb.blocks), rb.len())
	}
	rb.forget(hashes[total-1])
	rb.forget(hashes[total-100])
	rb.forget(hashes[10]) // long gone: nothing happens
	if rb.hasTx(txids[total-1]) || rb.hasTx(txids[total-100]) || !rb.hasTx(txids[total-2]) || rb.len() != maxRecentEntries-2 {
		t.Fatal("forget removed the wrong blocks")
	}
}
