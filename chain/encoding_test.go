package chain_test

import (
	"bytes"
	"errors"
	"reflect"
	"runtime"
	"testing"

	"github.com/devchain/devchain/chain"
)

// cat concatenates byte slices into a new one.
func cat(parts ...[]byte) []byte {
	var b []byte
	for _, p := range parts {
		b = append(b, p...)
	}
	return b
}

// Raw pieces of hand-built encodings.
var (
	rawVersion1 = []byte{1, 0, 0, 0}
	rawInput    = make([]byte, 32+4+32+64) // one TxIn: outpoint, public key, signature
	rawOutput   = make([]byte, 8+32)       // one TxOut: amount, address
)

// TestDecodeTransactionStrict checks that every malformed transaction
// encoding is refused with the error that names what is wrong with it.
func TestDecodeTransactionStrict(t *testing.T) {
	tx, _ := sampleSignedTx(t)
	valid := tx.Serialize()

	tests := []struct {
		name string
		in   []byte
		want error
	}{
		{"empty", nil, chain.ErrShortInput},
		{"three bytes of version", []byte{1, 0, 0}, chain.ErrShortInput},
		{"no input count", rawVersion1, chain.ErrShortInput},
		{"no output count", cat(rawVersion1, []byte{0}), chain.ErrShortInput},
		{"0xfd count without its two bytes", cat(rawVersion1, []byte{0xfd, 0x01}), chain.ErrShortInput},
		{"0xfe count without its four bytes", cat(rawVersion1, []byte{0xfe, 1, 0, 0}), chain.ErrShortInput},
		{"0xff count without its eight bytes", cat(rawVersion1, []byte{0xff, 1, 0, 0, 0, 0, 0, 0}), chain.ErrShortInput},
		{"output count missing after inputs", cat(rawVersion1, []byte{1}, rawInput), chain.ErrShortInput},

		{"trailing zero byte", cat(valid, []byte{0}), chain.ErrTrailingBytes},
		{"two transactions", cat(valid, valid), chain.ErrTrailingBytes},
		{"empty transaction with trailing byte", cat(rawVersion1, []byte{0, 0, 0xff}), chain.ErrTrailingBytes},

		{"input count 0 as 0xfd0000", cat(rawVersion1, []byte{0xfd, 0, 0}, []byte{0}), chain.ErrNonCanonicalVarInt},
		{"input count 252 as 0xfdfc00", cat(rawVersion1, []byte{0xfd, 0xfc, 0}), chain.ErrNonCanonicalVarInt},
		{"input count 1 as 0xfe01000000", cat(rawVersion1, []byte{0xfe, 1, 0, 0, 0}, rawInput, []byte{0}), chain.ErrNonCanonicalVarInt},
		{"input count 0xffff as 0xfe", cat(rawVersion1, []byte{0xfe, 0xff, 0xff, 0, 0}), chain.ErrNonCanonicalVarInt},
		{"output count 1 as 0xff", cat(rawVersion1, []byte{0}, []byte{0xff, 1, 0, 0, 0, 0, 0, 0, 0}, rawOutput), chain.ErrNonCanonicalVarInt},
		{"output count 2^32-1 as 0xff", cat(rawVersion1, []byte{0}, []byte{0xff, 0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0}), chain.ErrNonCanonicalVarInt},

		{"2^32-1 inputs in 10 bytes", cat(rawVersion1, []byte{0xfe, 0xff, 0xff, 0xff, 0xff, 0}), chain.ErrCountExceedsInput},
		{"2^32 inputs", cat(rawVersion1, []byte{0xff, 0, 0, 0, 0, 1, 0, 0, 0}, rawInput), chain.ErrCountExceedsInput},
		{"2^64-1 inputs", cat(rawVersion1, bytes.Repeat([]byte{0xff}, 9)), chain.ErrCountExceedsInput},
		{"one input, no bytes for it", cat(rawVersion1, []byte{1, 0}), chain.ErrCountExceedsInput},
		{"two inputs, bytes for one", cat(rawVersion1, []byte{2}, rawInput, []byte{0}), chain.ErrCountExceedsInput},
		{"one output, one byte short", cat(rawVersion1, []byte{0, 1}, rawOutput[1:]), chain.ErrCountExceedsInput},
		// Cutting the last byte leaves 39 bytes for the last of three 40-byte
		// outputs, which the count check catches before reading them.
		{"signed transaction minus its last byte", valid[:len(valid)-1], chain.ErrCountExceedsInput},
		{"signed transaction cut inside its inputs", valid[:4+1+100], chain.ErrCountExceedsInput},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tx, err := chain.DecodeTransaction(tt.in)
			if !errors.Is(err, tt.want) {
				t.Fatalf("DecodeTransaction(%x) error = %v, want %v", tt.in, err, tt.want)
			}
			if tx != nil {
				t.Errorf("DecodeTransaction returned %+v with its error", tx)
			}
		})
	}
}

// TestDecodeBlockStrict checks that every malformed block encoding is
// refused with the error that names what is wrong with it, including errors
// inside one of its transactions.
func TestDecodeBlockStrict(t *testing.T) {
	b := sampleBlock(t)
	valid := b.Serialize()
	header := b.Header.Serialize()
	coinbase := b.Transactions[0].Serialize()

	tests := []struct {
		name string
		in   []byte
		want error
	}{
		{"empty", nil, chain.ErrShortInput},
		{"79-byte header", header[:79], chain.ErrShortInput},
		{"header without a transaction count", header, chain.ErrShortInput},
		{"count 2, one transaction", cat(header, []byte{2}, coinbase), chain.ErrShortInput},

		{"trailing zero byte", cat(valid, []byte{0}), chain.ErrTrailingBytes},
		{"header, count 0, trailing byte", cat(header, []byte{0, 0}), chain.ErrTrailingBytes},
		{"count 1, two transactions", cat(header, []byte{1}, coinbase, coinbase), chain.ErrTrailingBytes},

		{"count 1 as 0xfd0100", cat(header, []byte{0xfd, 1, 0}, coinbase), chain.ErrNonCanonicalVarInt},
		{"count 2 as 0xff", cat(header, []byte{0xff, 2, 0, 0, 0, 0, 0, 0, 0}, coinbase, coinbase), chain.ErrNonCanonicalVarInt},
		{"non-canonical count inside a transaction", cat(header, []byte{1}, rawVersion1, []byte{0xfd, 0, 0, 0}), chain.ErrNonCanonicalVarInt},

		{"2^32-1 transactions in a few bytes", cat(header, []byte{0xfe, 0xff, 0xff, 0xff, 0xff}, rawVersion1, []byte{0, 0}), chain.ErrCountExceedsInput},
		{"2^64-1 transactions", cat(header, bytes.Repeat([]byte{0xff}, 9)), chain.ErrCountExceedsInput},
		{"transaction claiming more inputs than the block holds", cat(header, []byte{1}, rawVersion1, []byte{0xfe, 0xff, 0xff, 0xff, 0xff, 0}), chain.ErrCountExceedsInput},
		{"block minus its last byte", valid[:len(valid)-1], chain.ErrCountExceedsInput},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			blk, err := chain.DecodeBlock(tt.in)
			if !errors.Is(err, tt.want) {
				t.Fatalf("DecodeBlock(%x) error = %v, want %v", tt.in, err, tt.want)
			}
			if blk != nil {
				t.Errorf("DecodeBlock returned %+v with its error", blk)
			}
		})
	}
}

// TestDecodeBlockHeaderLength checks that a header must be exactly 80 bytes
// and that the error says whether input was missing or left over.
func TestDecodeBlockHeaderLength(t *testing.T) {
	header := sampleBlock(t).Header.Serialize()
	tests := []struct {
		name string
		in   []byte
		want error
	}{
		{"empty", nil, chain.ErrShortInput},
		{"79 bytes", header[:79], chain.ErrShortInput},
		{"81 bytes", cat(header, []byte{0}), chain.ErrTrailingBytes},
		{"header and a transaction count", cat(header, []byte{1}), chain.ErrTrailingBytes},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := chain.DecodeBlockHeader(tt.in); !errors.Is(err, tt.want) {
				t.Errorf("DecodeBlockHeader(%d bytes) error = %v, want %v", len(tt.in), err, tt.want)
			}
		})
	}
}

// TestTransactionRoundTrip encodes and decodes transactions of several
// shapes, including counts at the one-byte/three-byte CompactSize boundary,
// and checks the decoded value, its re-encoding and its size.
func TestTransactionRoundTrip(t *testing.T) {
	signed, _ := sampleSignedTx(t)
	manyOutputs := func(n int) *chain.Transaction {
		tx := &chain.Transaction{Version: 2, Inputs: signed.Inputs[:1]}
		for i := range n {
			tx.Outputs = append(tx.Outputs, chain.TxOut{Amount: int64(i + 1), Address: chain.Address{byte(i)}})
		}
		return tx
	}
	tests := []struct {
		name string
		tx   *chain.Transaction
		size int
	}{
		{"signed, 2 inputs and 3 outputs", signed, 4 + 1 + 2*132 + 1 + 3*40},
		{"coinbase", chain.NewCoinbase(99, []byte("free data"), chain.TxOut{Amount: 5, Address: chain.Address{1}}), 4 + 1 + 132 + 1 + 40},
		{"252 outputs, one-byte count", manyOutputs(252), 4 + 1 + 132 + 1 + 252*40},
		{"253 outputs, three-byte count", manyOutputs(253), 4 + 1 + 132 + 3 + 253*40},
		{"negative and maximal amounts", &chain.Transaction{
			Version: 0xffffffff,
			Inputs:  signed.Inputs,
			Outputs: []chain.TxOut{{Amount: -1}, {Amount: 1<<63 - 1}, {Amount: -1 << 63}},
		}, 4 + 1 + 2*132 + 1 + 3*40},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			enc := tt.tx.Serialize()
			if len(enc) != tt.size || tt.tx.SerializeSize() != tt.size {
				t.Errorf("len(Serialize()) = %d, SerializeSize() = %d, want %d", len(enc), tt.tx.SerializeSize(), tt.size)
			}
			got, err := chain.DecodeTransaction(enc)
			if err != nil {
				t.Fatalf("DecodeTransaction: %v", err)
			}
			if !reflect.DeepEqual(got, tt.tx) {
				t.Errorf("decoded %+v, want %+v", got, tt.tx)
			}
			if !bytes.Equal(got.Serialize(), enc) {
				t.Errorf("re-encoding differs")
			}
			if got.TxID() != tt.tx.TxID() {
				t.Errorf("TxID changed across the round trip")
			}
		})
	}
}

// TestEmptyEncodingsRoundTrip checks that encodings with zero counts, which
// are well formed though never valid, decode and re-encode exactly.
func TestEmptyEncodingsRoundTrip(t *testing.T) {
	header := sampleBlock(t).Header.Serialize()
	tx := cat(rawVersion1, []byte{0, 0})
	if got, err := chain.DecodeTransaction(tx); err != nil {
		t.Errorf("DecodeTransaction(%x): %v", tx, err)
	} else if len(got.Inputs) != 0 || len(got.Outputs) != 0 || !bytes.Equal(got.Serialize(), tx) {
		t.Errorf("DecodeTransaction(%x) = %+v", tx, got)
	}
	blk := cat(header, []byte{0})
	if got, err := chain.DecodeBlock(blk); err != nil {
		t.Errorf("DecodeBlock(header, 0): %v", err)
	} else if len(got.Transactions) != 0 || !bytes.Equal(got.Serialize(), blk) {
		t.Errorf("DecodeBlock(header, 0) = %+v", got)
	}
}

// TestBlockRoundTrip checks that a block with a coinbase and a signed
// transaction decodes to the same block, hash and txids.
func TestBlockRoundTrip(t *testing.T) {
	b := sampleBlock(t)
	enc := b.Serialize()
	if len(enc) != b.SerializeSize() {
		t.Errorf("len(Serialize()) = %d, SerializeSize() = %d", len(enc), b.SerializeSize())
	}
	if !bytes.Equal(enc[:chain.HeaderSize], b.Header.Serialize()) {
		t.Errorf("block encoding does not start with the header")
	}
	got, err := chain.DecodeBlock(enc)
	if err != nil {
		t.Fatalf("DecodeBlock: %v", err)
	}
	if !reflect.DeepEqual(got, b) {
		t.Errorf("decoded %+v, want %+v", got, b)
	}
	if got.Hash() != b.Header.Hash() {
		t.Errorf("Hash() = %s, want the header hash %s", got.Hash(), b.Header.Hash())
	}
	if !reflect.DeepEqual(got.TxIDs(), b.TxIDs()) {
		t.Errorf("TxIDs() = %v, want %v", got.TxIDs(), b.TxIDs())
	}
	if !bytes.Equal(got.Serialize(), enc) {
		t.Errorf("re-encoding differs")
	}
}

// TestDecodeHugeCountAllocatesLittle checks that a forged count of 2^32-1
// elements is refused before anything is allocated for them.
func TestDecodeHugeCountAllocatesLittle(t *testing.T) {
	header := sampleBlock(t).Header.Serialize()
	huge := []byte{0xfe, 0xff, 0xff, 0xff, 0xff}
	tests := []struct {
		name   string
		decode func() error
	}{
		{"transaction inputs", func() error {
			_, err := chain.DecodeTransaction(cat(rawVersion1, huge, []byte{0}))
			return err
		}},
		{"transaction outputs", func() error {
			_, err := chain.DecodeTransaction(cat(rawVersion1, []byte{0}, huge))
			return err
		}},
		{"block transactions", func() error {
			_, err := chain.DecodeBlock(cat(header, huge, []byte{0}))
			return err
		}},
	}
	const runs = 100
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			for range runs {
				if err := tt.decode(); !errors.Is(err, chain.ErrCountExceedsInput) {
					t.Fatalf("error = %v, want %v", err, chain.ErrCountExceedsInput)
				}
			}
			runtime.ReadMemStats(&after)
			// One slot of the smallest element for each of 2^32-1 claimed
			// elements would be gigabytes; an error message is a few hundred
			// bytes.
			if perRun := (after.TotalAlloc - before.TotalAlloc) / runs; perRun > 4096 {
				t.Errorf("allocated %d bytes per decode, want at most 4096", perRun)
			}
		})
	}
}
