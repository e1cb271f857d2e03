package miner

import (
	"reflect"
	"testing"
	"time"

	"github.com/devchain/devchain/chain"
	"github.com/devchain/devchain/consensus"
)

func TestNewBlock(t *testing.T) {
	p := testParams(t)
	for _, height := range []uint32{1, 149, 150, 151, 1000} {
		in := testInput(p, height, devnetBits)
		b := NewBlock(in)
		if err := consensus.CheckBlockSanity(b, p); err != nil {
			t.Fatalf("height %d: CheckBlockSanity: %v", height, err)
		}
		cb := b.Transactions[0]
		if !cb.IsCoinbase() || cb.CoinbaseHeight() != height {
			t.Fatalf("height %d: coinbase %+v", height, cb)
		}
		want := p.Subsidy(height) + in.Fees
		if len(cb.Outputs) != 1 || cb.Outputs[0].Amount != want || cb.Outputs[0].Address != in.PayTo {
			t.Fatalf("height %d: coinbase outputs %+v, want one paying %d to %x", height, cb.Outputs, want, in.PayTo)
		}
		if !reflect.DeepEqual(b.Transactions[1:], in.Txs) {
			t.Fatalf("height %d: transactions after the coinbase differ from the input", height)
		}
		h := b.Header
		if h.Version != 1 || h.PrevBlock != in.Parent || h.Bits != in.Bits || h.Nonce != 0 || h.Timestamp != uint32(in.Now.Unix()) {
			t.Fatalf("height %d: header %+v", height, h)
		}
		if got := ExtraNonce(b); got != in.ExtraNonce {
			t.Fatalf("ExtraNonce = %d, want %d", got, in.ExtraNonce)
		}
	}
	// The subsidy halves every 150 blocks on the test chain.
	if NewBlock(testInput(p, 150, devnetBits)).Transactions[0].Outputs[0].Amount != 25*chain.UnitsPerCoin+1234 {
		t.Fatal("height 150 does not pay the halved subsidy")
	}
}

func TestNewBlockNoMempoolTxs(t *testing.T) {
	p := testParams(t)
	in := testInput(p, 3, devnetBits)
	in.Txs, in.Fees = nil, 0
	b := NewBlock(in)
	if err := consensus.CheckBlockSanity(b, p); err != nil {
		t.Fatal(err)
	}
	if len(b.Transactions) != 1 || b.Header.MerkleRoot != b.Transactions[0].TxID() {
		t.Fatal("a lone coinbase's txid is the Merkle root")
	}
}

func TestNewBlockTimestamp(t *testing.T) {
	p := testParams(t)
	const mtp = 1767225600
	for _, tc := range []struct {
		now  time.Time
		want uint32
	}{
		{time.Unix(mtp+100, 0), mtp + 100},
		{time.Unix(mtp+1, 999_999_999), mtp + 1},
		{time.Unix(mtp, 0), mtp + 1},      // the clock equals the median time past
		{time.Unix(mtp-3600, 0), mtp + 1}, // the clock is behind the chain
		{time.Unix(-5, 0), mtp + 1},
		{time.Unix(1<<40, 0), 0xffffffff}, // clamped to the field
	} {
		in := testInput(p, 1, devnetBits)
		in.Now, in.MedianTime = tc.now, mtp
		if got := NewBlock(in).Header.Timestamp; got != tc.want {
			t.Errorf("now %d: timestamp %d, want %d", tc.now.Unix(), got, tc.want)
		}
	}
}

func TestSetExtraNonce(t *testing.T) {
	p := testParams(t)
	in := testInput(p, 7, devnetBits)
	b := NewBlock(in)
	oldTxID, oldRoot := b.Transactions[0].TxID(), b.Header.MerkleRoot

	SetExtraNonce(b, 43)
	if ExtraNonce(b) != 43 {
		t.Fatalf("ExtraNonce = %d", ExtraNonce(b))
	}
	if b.Transactions[0].TxID() == oldTxID || b.Header.MerkleRoot == oldRoot {
		t.Fatal("the coinbase txid and the Merkle root must change with the extra nonce")
	}
	if err := consensus.CheckBlockSanity(b, p); err != nil {
		t.Fatalf("after SetExtraNonce: %v", err)
	}
	// Same as building the template with that extra nonce.
	in.ExtraNonce = 43
	if want := NewBlock(in); !reflect.DeepEqual(b, want) {
		t.Fatal("SetExtraNonce(NewBlock(42), 43) differs from NewBlock(43)")
	}
	// And back.
	SetExtraNonce(b, 42)
	if b.Transactions[0].TxID() != oldTxID || b.Header.MerkleRoot != oldRoot {
		t.Fatal("restoring the extra nonce does not restore the txid and root")
	}
}

func TestSetExtraNonceKeepsOtherFreeData(t *testing.T) {
	p := testParams(t)
	b := NewBlock(testInput(p, 7, devnetBits))
	in := &b.Transactions[0].Inputs[0]
	in.PubKey[ExtraNonceSize] = 0xab
	in.Signature[63] = 0xcd
	SetExtraNonce(b, 1<<63|5)
	if in.PubKey[ExtraNonceSize] != 0xab || in.Signature[63] != 0xcd {
		t.Fatal("SetExtraNonce changed free data beyond the extra nonce")
	}
	if le64(in.PubKey[:8]) != 1<<63|5 || ExtraNonce(b) != 1<<63|5 {
		t.Fatal("extra nonce not stored little-endian at the start of the free data")
	}
	if b.Header.MerkleRoot != chain.MerkleRoot(b.TxIDs()) {
		t.Fatal("Merkle root not recomputed")
	}
}

func TestSetExtraNonceWithoutCoinbasePanics(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Fatal("no panic")
		}
	}()
	SetExtraNonce(&chain.Block{Transactions: []*chain.Transaction{fakeTx("x", 1)}}, 1)
}

func TestCloneForMining(t *testing.T) {
	p := testParams(t)
	b := NewBlock(testInput(p, 7, devnetBits))
	before := b.Transactions[0].TxID()
	c := cloneForMining(b)
	SetExtraNonce(c, 99)
	c.Header.Nonce = 5
	if b.Transactions[0].TxID() != before || ExtraNonce(b) != 42 || b.Header.Nonce != 0 {
		t.Fatal("changing the clone changed the template")
	}
	if c.Transactions[1] != b.Transactions[1] {
		t.Fatal("the clone should share the non-coinbase transactions")
	}
}
