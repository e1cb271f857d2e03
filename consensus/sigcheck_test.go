package consensus_test

import (
	"errors"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/devchain/devchain/chain"
	"github.com/devchain/devchain/consensus"
	"github.com/devchain/devchain/consensus/consensustest"
	"github.com/devchain/devchain/consensus/sigverify"
	"github.com/devchain/devchain/consensus/store"
)

// sigChain is a chain whose genesis allocates n outputs to alice, and
// transactions spending them one each.
type sigChain struct {
	p   *consensus.Params
	txs []*chain.Transaction
}

func newSigChain(t *testing.T, n int) *sigChain {
	t.Helper()
	key := consensustest.Key("alice")
	addr := chain.AddressFromPubKey(key.PubKey())
	g := consensustest.TestGenesis()
	g.RetargetIntervalBlocks = 0
	g.Alloc = make([]chain.Alloc, n)
	for i := range g.Alloc {
		g.Alloc[i] = chain.Alloc{Address: addr.Encode(g.AddressPrefix), Amount: benchAlloc}
	}
	p, err := consensus.NewParams(g)
	if err != nil {
		t.Fatal(err)
	}
	c := &sigChain{p: p}
	allocTx := p.GenesisBlock.Transactions[0].TxID()
	for i := range n {
		c.txs = append(c.txs, spendAlloc(t, p, key, chain.OutPoint{TxID: allocTx, Index: uint32(i)}, i%2 == 1))
	}
	return c
}

// spent returns what tx i spends, as the engine's UTXO set has it.
func (c *sigChain) spent(i int) []consensus.UTXO {
	addr := chain.AddressFromPubKey(consensustest.Key("alice").PubKey())
	return []consensus.UTXO{{Amount: benchAlloc, Address: addr}}
}

// countingVerifier counts the signatures it is asked to verify.
type countingVerifier struct {
	inner consensus.SigVerifier
	n     atomic.Int64
}

func (v *countingVerifier) Begin() consensus.SigBatch {
	return &countingBatch{SigBatch: v.inner.Begin(), n: &v.n}
}

type countingBatch struct {
	consensus.SigBatch
	n *atomic.Int64
}

func (b *countingBatch) Add(checks []consensus.SigCheck) {
	b.n.Add(int64(len(checks)))
	b.SigBatch.Add(checks)
}

// engineWith opens an engine on a memory store with a verifier and cache.
func engineWith(t *testing.T, p *consensus.Params, v consensus.SigVerifier, cache consensus.SigCache) *consensus.Engine {
	t.Helper()
	e, err := consensus.New(consensus.Config{Params: p, Store: store.NewMemory(), SigVerifier: v, SigCache: cache})
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// TestVerdictsSameWithEveryVerifier: blocks with bad signatures, and with
// a bad signature before or after another broken rule, get the same
// verdict, word for word, from the sequential verifier, the parallel pool
// and the pool with a signature cache holding some of their signatures.
func TestVerdictsSameWithEveryVerifier(t *testing.T) {
	c := newSigChain(t, 60)
	pool := sigverify.NewPool(3)
	defer pool.Close()
	corrupt := func(tx *chain.Transaction) *chain.Transaction {
		bad := *tx
		bad.Inputs = append([]chain.TxIn(nil), tx.Inputs...)
		bad.Inputs[0].Signature[10] ^= 1
		return &bad
	}
	missing := func(tx *chain.Transaction) *chain.Transaction {
		bad := *tx
		bad.Inputs = append([]chain.TxIn(nil), tx.Inputs...)
		bad.Inputs[0].PrevOut.Index = 9999
		return &bad
	}
	block := func(edit map[int]func(*chain.Transaction) *chain.Transaction) *chain.Block {
		txs := append([]*chain.Transaction(nil), c.txs[:40]...)
		for i, fn := range edit {
			txs[i] = fn(txs[i])
		}
		return mineBlock(t, c.p, c.p.GenesisBlock, 1, txs)
	}
	type edits = map[int]func(*chain.Transaction) *chain.Transaction
	cases := []struct {
		name string
		b    *chain.Block
		want consensus.ErrorCode
		tx   string // the transaction the verdict names (block position, counting the coinbase)
	}{
		{"valid", block(nil), 0, ""},
		{"two bad signatures", block(edits{7: corrupt, 30: corrupt}), consensus.ErrBadSignature, "tx 8 "},
		{"bad signature before a missing input", block(edits{5: corrupt, 12: missing}), consensus.ErrBadSignature, "tx 6 "},
		{"missing input before a bad signature", block(edits{3: missing, 12: corrupt}), consensus.ErrMissingTxOut, "tx 4 "},
		{"bad signature in the last transaction", block(edits{39: corrupt}), consensus.ErrBadSignature, "tx 40 "},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cache := sigverify.NewCache(0)
			for i := 0; i < 40; i += 3 { // a third of the signatures are cached
				if err := consensus.VerifyTxSignatures(c.txs[i], c.spent(i), c.p.GenesisHash, nil, cache); err != nil {
					t.Fatal(err)
				}
			}
			configs := []struct {
				name  string
				v     consensus.SigVerifier
				cache consensus.SigCache
			}{
				{"sequential", nil, nil},
				{"pool", pool, nil},
				{"pool+cache", pool, cache},
			}
			var first string
			for _, cfg := range configs {
				e := engineWith(t, c.p, cfg.v, cfg.cache)
				_, err := e.ProcessBlock(tc.b, time.Unix(int64(tc.b.Header.Timestamp), 0))
				switch {
				case tc.want == 0 && err != nil:
					t.Fatalf("%s: %v", cfg.name, err)
				case tc.want != 0 && !errors.Is(err, tc.want):
					t.Fatalf("%s: %v, want %v", cfg.name, err, tc.want)
				}
				msg := "accepted"
				if err != nil {
					msg = err.Error()
					if !strings.Contains(msg, tc.tx) {
						t.Fatalf("%s: %q does not name %q", cfg.name, msg, tc.tx)
					}
				}
				if first == "" {
					first = msg
				} else if msg != first {
					t.Fatalf("%s says %q, sequential says %q", cfg.name, msg, first)
				}
			}
		})
	}
}

// TestSigCacheSkipsVerification: the signatures of transactions the
// mempool verified (here: VerifyTxSignatures with the cache) are not
// verified again when their block connects, and leave the cache.
func TestSigCacheSkipsVerification(t *testing.T) {
	c := newSigChain(t, 20)
	cache := sigverify.NewCache(0)
	for i := range 15 {
		if err := consensus.VerifyTxSignatures(c.txs[i], c.spent(i), c.p.GenesisHash, nil, cache); err != nil {
			t.Fatal(err)
		}
	}
	if cache.Len() != 15 {
		t.Fatalf("cache holds %d signatures, want 15", cache.Len())
	}
	v := &countingVerifier{inner: consensus.SequentialVerifier{}}
	e := engineWith(t, c.p, v, cache)
	b := mineBlock(t, c.p, c.p.GenesisBlock, 1, c.txs)
	if _, err := e.ProcessBlock(b, time.Unix(int64(b.Header.Timestamp), 0)); err != nil {
		t.Fatal(err)
	}
	if got := v.n.Load(); got != 5 {
		t.Fatalf("verified %d signatures, want the 5 not in the cache", got)
	}
	if cache.Len() != 0 {
		t.Fatalf("cache keeps %d signatures of confirmed transactions", cache.Len())
	}
}
