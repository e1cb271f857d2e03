package store

import (
	"testing"

	"github.com/devchain/devchain/chain"
)

// BenchmarkMemoryConnects is the fork laboratory's use of Memory: a block
// connected in turn on hundreds of stores sharing one table of block bytes
// (record, bytes, one coinbase output, empty undo data per store).
func BenchmarkMemoryConnects(b *testing.B) {
	const stores, blocks = 500, 200
	type block struct {
		update Update
		raw    []byte
	}
	chainOf := make([]block, blocks)
	prev := chain.ZeroHash
	for i := range chainOf {
		h := chain.BlockHeader{PrevBlock: prev, Timestamp: uint32(i), Nonce: uint32(i)}
		hash := h.Hash()
		raw := make([]byte, 200)
		raw[0] = byte(i)
		chainOf[i] = block{raw: raw, update: Update{
			Tip:          hash,
			Records:      []BlockRecord{{Header: h, Height: uint32(i), Status: StatusHaveData | StatusValid}},
			RecordHashes: []chain.Hash{hash},
			Block:        raw,
			Add:          []Output{{OutPoint: chain.OutPoint{TxID: hash}, UTXO: UTXO{Amount: 50, Height: uint32(i), Coinbase: true}}},
			PutUndo:      &Undo{Block: hash},
		}}
		prev = hash
	}
	for b.Loop() {
		table := NewBlockBytes()
		ss := make([]*Memory, stores)
		for i := range ss {
			ss[i] = NewMemoryWith(MemoryOptions{NoAddressIndex: true, Blocks: table})
		}
		for _, blk := range chainOf {
			for _, s := range ss {
				if err := s.Apply(&blk.update); err != nil {
					b.Fatal(err)
				}
			}
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*stores*blocks), "ns/connect")
}
