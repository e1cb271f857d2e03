package sigverify_test

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"

	"github.com/btcsuite/btcd/btcec/v2"
	"github.com/btcsuite/btcd/btcec/v2/schnorr"

	"github.com/devchain/devchain/chain"
	"github.com/devchain/devchain/consensus"
	"github.com/devchain/devchain/consensus/consensustest"
	"github.com/devchain/devchain/consensus/sigverify"
)

// checks returns n valid signature checks by one key over distinct digests.
func checks(t *testing.T, n int) []consensus.SigCheck {
	t.Helper()
	key := consensustest.Key("alice")
	out := make([]consensus.SigCheck, n)
	for i := range out {
		digest := chain.DoubleSHA256([]byte(fmt.Sprint("message ", i)))
		sig, err := schnorr.Sign(key, digest[:])
		if err != nil {
			t.Fatal(err)
		}
		out[i] = consensus.SigCheck{PubKey: chain.AddressFromPubKey(key.PubKey()), Digest: digest}
		copy(out[i].Signature[:], sig.Serialize())
	}
	return out
}

// TestPoolAgreesWithSequential: for batches with no, one or several bad
// signatures, the pool reports the lowest failing index and the same error
// as the sequential verifier, also with several callers at once.
func TestPoolAgreesWithSequential(t *testing.T) {
	valid := checks(t, 64)
	pool := sigverify.NewPool(3)
	defer pool.Close()
	rng := rand.New(rand.NewPCG(1, 2))
	var wg sync.WaitGroup
	for g := range 4 {
		batches := make([][]consensus.SigCheck, 12)
		for i := range batches {
			n := 1 + rng.IntN(len(valid))
			b := append([]consensus.SigCheck(nil), valid[:n]...)
			for range rng.IntN(3) {
				k := rng.IntN(n)
				if rng.IntN(2) == 0 {
					b[k].Signature[5] ^= 0x40
				} else {
					b[k].Digest[0] ^= 1
				}
			}
			batches[i] = b
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i, b := range batches {
				wantBad, wantErr := consensus.VerifyBatch(consensus.SequentialVerifier{}, b)
				// Hand the batch over in chunks of random sizes, as the
				// engine does while it walks a block.
				pb := pool.Begin()
				for rest := b; len(rest) > 0; {
					n := min(len(rest), 1+(i*7+g)%9)
					pb.Add(rest[:n])
					rest = rest[n:]
				}
				gotBad, gotErr := pb.Wait()
				if gotBad != wantBad || fmt.Sprint(gotErr) != fmt.Sprint(wantErr) {
					t.Errorf("caller %d batch %d: pool (%d, %v), sequential (%d, %v)", g, i, gotBad, gotErr, wantBad, wantErr)
				}
			}
		}()
	}
	wg.Wait()
}

func TestPoolAfterClose(t *testing.T) {
	pool := sigverify.NewPool(2)
	pool.Close()
	pool.Close()
	b := checks(t, 8)
	b[6].Signature[0] ^= 1
	if bad, err := pool.VerifyBatch(b); bad != 6 || err == nil {
		t.Fatalf("closed pool: (%d, %v), want index 6 failing", bad, err)
	}
}

// TestCache: a cached check is found only with the same key, signature and
// digest; the bound holds.
func TestCache(t *testing.T) {
	cs := checks(t, 10)
	c := sigverify.NewCache(5)
	c.Add(&cs[0])
	if !c.Has(&cs[0]) {
		t.Fatal("added check not found")
	}
	for _, edit := range []func(*consensus.SigCheck){
		func(k *consensus.SigCheck) { k.PubKey[3] ^= 1 },
		func(k *consensus.SigCheck) { k.Signature[63] ^= 1 },
		func(k *consensus.SigCheck) { k.Digest[31] ^= 1 },
	} {
		k := cs[0]
		edit(&k)
		if c.Has(&k) {
			t.Fatal("a check differing from the cached one is found")
		}
	}
	c.Remove(&cs[0])
	if c.Has(&cs[0]) {
		t.Fatal("removed check still found")
	}
	for i := range cs {
		c.Add(&cs[i])
	}
	if c.Len() != 5 {
		t.Fatalf("cache of 5 holds %d", c.Len())
	}
}

func TestVerifyTxSignaturesFillsCache(t *testing.T) {
	key := consensustest.Key("alice")
	addr := chain.AddressFromPubKey(key.PubKey())
	genesis := chain.DoubleSHA256([]byte("genesis"))
	tx := &chain.Transaction{Version: 1, Inputs: []chain.TxIn{{PrevOut: chain.OutPoint{TxID: genesis, Index: 1}}},
		Outputs: []chain.TxOut{{Amount: 5, Address: addr}}}
	spent := []chain.TxOut{{Amount: 10, Address: addr}}
	if err := chain.SignTransaction(tx, spent, []*btcec.PrivateKey{key}, genesis); err != nil {
		t.Fatal(err)
	}
	utxos := []consensus.UTXO{{Amount: 10, Address: addr}}
	c := sigverify.NewCache(0)
	if err := consensus.VerifyTxSignatures(tx, utxos, genesis, nil, c); err != nil {
		t.Fatal(err)
	}
	if c.Len() != 1 {
		t.Fatalf("cache holds %d, want 1", c.Len())
	}
	tx.Inputs[0].Signature[0] ^= 1
	err := consensus.VerifyTxSignatures(tx, utxos, genesis, nil, c)
	if !errors.Is(err, consensus.ErrBadSignature) {
		t.Fatalf("corrupted signature: %v", err)
	}
}
