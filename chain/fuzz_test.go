package chain_test

import (
	"bytes"
	"testing"

	"github.com/devchain/devchain/chain"
)

// The decoders are strict so that a value has exactly one encoding: these
// fuzz targets check that decoding never panics and that whatever decodes
// re-encodes to exactly the input, with SerializeSize equal to its length.
//
// Run one with, for example:
//
//	go test ./chain -run XXX -fuzz FuzzDecodeBlock -fuzztime 20s
//
// Crashers the fuzzer finds are written to testdata/fuzz/<target>/ and then
// run as regression seeds by plain `go test`.

// malformedSeeds are small broken encodings worth mutating from.
var malformedSeeds = [][]byte{
	nil,
	{0},
	{1, 0, 0, 0, 0xfd, 0, 0}, // non-canonical count
	{1, 0, 0, 0, 0xfe, 0xff, 0xff, 0xff, 0xff}, // huge count
	bytes.Repeat([]byte{0xff}, 100),
}

func FuzzDecodeBlockHeader(f *testing.F) {
	vectors := loadBitcoinVectors(f)
	f.Add(mustDecodeHex(f, vectors.Chain[0].HeaderHex))
	f.Add(mustDecodeHex(f, vectors.Block277647.HeaderHex))
	f.Add(sampleBlock(f).Header.Serialize())
	for _, seed := range malformedSeeds {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		h, err := chain.DecodeBlockHeader(data)
		if err != nil {
			if len(data) == chain.HeaderSize {
				t.Fatalf("80 bytes did not decode: %v", err)
			}
			return
		}
		if got := h.Serialize(); !bytes.Equal(got, data) {
			t.Fatalf("Serialize(DecodeBlockHeader(%x)) = %x", data, got)
		}
		if h.Hash() != chain.DoubleSHA256(data) {
			t.Fatalf("Hash() is not the double SHA-256 of the header bytes")
		}
	})
}

func FuzzDecodeTransaction(f *testing.F) {
	signed, _ := sampleSignedTx(f)
	f.Add(signed.Serialize())
	f.Add(chain.NewCoinbase(3, []byte("seed"), chain.TxOut{Amount: 1}).Serialize())
	f.Add([]byte{1, 0, 0, 0, 0, 0}) // no inputs, no outputs
	for _, seed := range malformedSeeds {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		tx, err := chain.DecodeTransaction(data)
		if err != nil {
			if tx != nil {
				t.Fatalf("DecodeTransaction returned a transaction with error %v", err)
			}
			return
		}
		if got := tx.Serialize(); !bytes.Equal(got, data) {
			t.Fatalf("Serialize(DecodeTransaction(%x)) = %x", data, got)
		}
		if n := tx.SerializeSize(); n != len(data) {
			t.Fatalf("SerializeSize() = %d, input is %d bytes", n, len(data))
		}
	})
}

func FuzzDecodeBlock(f *testing.F) {
	b := sampleBlock(f)
	f.Add(b.Serialize())
	coinbaseOnly := &chain.Block{
		Header:       b.Header,
		Transactions: b.Transactions[:1],
	}
	f.Add(coinbaseOnly.Serialize())
	vectors := loadBitcoinVectors(f)
	f.Add(append(mustDecodeHex(f, vectors.Chain[0].HeaderHex), 0)) // real header, no transactions
	for _, seed := range malformedSeeds {
		f.Add(append(b.Header.Serialize(), seed...))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		count, countErr := chain.BlockTxCount(data) // never panics either
		blk, err := chain.DecodeBlock(data)
		if err != nil {
			if blk != nil {
				t.Fatalf("DecodeBlock returned a block with error %v", err)
			}
			return
		}
		if countErr != nil || count != len(blk.Transactions) {
			t.Fatalf("BlockTxCount = %d, %v; the block holds %d", count, countErr, len(blk.Transactions))
		}
		if got := blk.Serialize(); !bytes.Equal(got, data) {
			t.Fatalf("Serialize(DecodeBlock(%x)) = %x", data, got)
		}
		if n := blk.SerializeSize(); n != len(data) {
			t.Fatalf("SerializeSize() = %d, input is %d bytes", n, len(data))
		}
		if !bytes.Equal(blk.Header.Serialize(), data[:chain.HeaderSize]) {
			t.Fatalf("header does not re-encode to the first 80 bytes")
		}
	})
}
