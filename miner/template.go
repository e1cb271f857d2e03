package miner

import (
	"encoding/binary"
	"math"
	"time"

	"github.com/devchain/devchain/chain"
	"github.com/devchain/devchain/consensus"
)

// ExtraNonceSize is the number of bytes of the coinbase's free data that hold
// the extra nonce (little-endian, at the start of the free data).
const ExtraNonceSize = 8

// TemplateInput is what the node knows when it asks for a block to mine.
type TemplateInput struct {
	Params     *consensus.Params
	Parent     chain.Hash
	Height     uint32 // height of the new block
	Bits       uint32 // required bits (engine.NextBits)
	MedianTime uint32 // median time past of the parent: the timestamp must be > this
	Now        time.Time
	Txs        []*chain.Transaction // from the mempool, already ordered, parents first
	Fees       int64                // total fees of Txs, in units
	PayTo      chain.Address
	ExtraNonce uint64
}

// NewBlock assembles a block to mine: a coinbase at in.Height paying
// subsidy + fees to in.PayTo with in.ExtraNonce in its free data, followed by
// in.Txs; the Merkle root over them; and a version 1 header on in.Parent with
// in.Bits, nonce 0 and the timestamp max(in.Now, in.MedianTime+1), which is
// always after the median time past. in.Params is required. The transactions
// are shared with in.Txs, not copied.
func NewBlock(in TemplateInput) *chain.Block {
	reward := in.Params.Subsidy(in.Height) + in.Fees
	coinbase := chain.NewCoinbase(in.Height, extraNonceBytes(in.ExtraNonce), chain.TxOut{Amount: reward, Address: in.PayTo})
	txs := make([]*chain.Transaction, 0, 1+len(in.Txs))
	txs = append(txs, coinbase)
	txs = append(txs, in.Txs...)
	b := &chain.Block{
		Header: chain.BlockHeader{
			Version:   1,
			PrevBlock: in.Parent,
			Timestamp: templateTime(in.Now, in.MedianTime),
			Bits:      in.Bits,
		},
		Transactions: txs,
	}
	b.Header.MerkleRoot = chain.MerkleRoot(b.TxIDs())
	return b
}

// templateTime returns max(now, medianTime+1) as a header timestamp, clamped
// to the uint32 range.
func templateTime(now time.Time, medianTime uint32) uint32 {
	t := max(now.Unix(), int64(medianTime)+1)
	return uint32(min(t, math.MaxUint32))
}

func extraNonceBytes(extraNonce uint64) []byte {
	return binary.LittleEndian.AppendUint64(make([]byte, 0, ExtraNonceSize), extraNonce)
}

// hasCoinbase reports whether b's first transaction is a coinbase, whose free
// data can carry an extra nonce.
func hasCoinbase(b *chain.Block) bool {
	return len(b.Transactions) > 0 && b.Transactions[0] != nil && b.Transactions[0].IsCoinbase()
}

// SetExtraNonce writes extraNonce into the first 8 bytes of the coinbase's
// free data (the rest of the free data is kept) and recomputes the header's
// Merkle root. It modifies b and its coinbase transaction in place; b must
// start with a coinbase, as every block from NewBlock does (it panics
// otherwise).
func SetExtraNonce(b *chain.Block, extraNonce uint64) {
	if !hasCoinbase(b) {
		panic("miner: SetExtraNonce on a block without a coinbase")
	}
	in := &b.Transactions[0].Inputs[0]
	binary.LittleEndian.PutUint64(in.PubKey[:ExtraNonceSize], extraNonce)
	b.Header.MerkleRoot = chain.MerkleRoot(b.TxIDs())
}

// ExtraNonce returns the extra nonce in b's coinbase, or 0 when b does not
// start with a coinbase.
func ExtraNonce(b *chain.Block) uint64 {
	if !hasCoinbase(b) {
		return 0
	}
	return binary.LittleEndian.Uint64(b.Transactions[0].Inputs[0].PubKey[:ExtraNonceSize])
}

// cloneForMining returns a copy of b that a worker may modify: its own header
// and coinbase (the extra nonce changes), sharing the other transactions.
func cloneForMining(b *chain.Block) *chain.Block {
	c := &chain.Block{Header: b.Header, Transactions: append([]*chain.Transaction(nil), b.Transactions...)}
	if hasCoinbase(b) {
		cb := *b.Transactions[0]
		cb.Inputs = append([]chain.TxIn(nil), cb.Inputs...)
		cb.Outputs = append([]chain.TxOut(nil), cb.Outputs...)
		c.Transactions[0] = &cb
	}
	return c
}
