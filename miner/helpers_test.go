package miner

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"sync"
	"testing"
	"time"

	"github.com/btcsuite/btcd/btcec/v2"

	"github.com/devchain/devchain/chain"
	"github.com/devchain/devchain/consensus"
	"github.com/devchain/devchain/consensus/consensustest"
)

// Bits used by the tests.
const (
	devnetBits = 0x207fffff // the devnet pow limit: every other hash meets it
	bits1in256 = 0x20010000 // target 2^248: one hash in 256 meets it
	hardBits   = 0x03000001 // target 1: no hash meets it in practice
)

// testGenesis is the harness chain (5 s blocks, retarget every 20 blocks,
// maturity 10, halving every 150 blocks) under a chain id of its own and
// without allocations.
func testGenesis() *chain.Genesis {
	g := consensustest.TestGenesis()
	g.ChainID, g.Alloc = "minertest", nil
	return g
}

func testParams(t testing.TB) *consensus.Params {
	t.Helper()
	p, err := consensus.NewParams(testGenesis())
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// testAddress returns the address of a named participant ("miner").
func testAddress(name string) chain.Address {
	seed := sha256.Sum256([]byte("miner-test/key/" + name))
	key, _ := btcec.PrivKeyFromBytes(seed[:])
	return chain.AddressFromPubKey(key.PubKey())
}

// fakeTx returns a non-coinbase transaction that passes the sanity rules
// (no signature: sanity does not check them).
func fakeTx(seed string, amount int64) *chain.Transaction {
	var prev chain.Hash = sha256.Sum256([]byte(seed))
	return &chain.Transaction{
		Version: 1,
		Inputs:  []chain.TxIn{{PrevOut: chain.OutPoint{TxID: prev, Index: 1}}},
		Outputs: []chain.TxOut{{Amount: amount, Address: testAddress("bob")}},
	}
}

func testInput(p *consensus.Params, height, bits uint32) TemplateInput {
	return TemplateInput{
		Params:     p,
		Parent:     p.GenesisHash,
		Height:     height,
		Bits:       bits,
		MedianTime: 1767225600,
		Now:        time.Unix(1767225700, 0),
		Txs:        []*chain.Transaction{fakeTx("a", 1000), fakeTx("b", 2000), fakeTx("c", 3000)},
		Fees:       1234,
		PayTo:      testAddress("miner"),
		ExtraNonce: 42,
	}
}

// headerWithNonce returns the hash of h with another nonce, the slow way.
func hashWithNonce(h chain.BlockHeader, nonce uint32) chain.Hash {
	h.Nonce = nonce
	return h.Hash()
}

// naiveFirst returns the first nonce start, start+step, ... whose hash
// meets the target, by consensus's big.Int check.
func naiveFirst(t *testing.T, h chain.BlockHeader, start, step uint32) uint32 {
	t.Helper()
	target := consensus.CompactToBig(h.Bits)
	for n := uint64(start); n <= 0xffffffff; n += uint64(step) {
		if consensus.HashToBig(hashWithNonce(h, uint32(n))).Cmp(target) <= 0 {
			return uint32(n)
		}
	}
	t.Fatal("no nonce meets the target")
	return 0
}

// syncBuffer is a log sink safe for concurrent writers and readers.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func le64(b []byte) uint64 { return binary.LittleEndian.Uint64(b) }
