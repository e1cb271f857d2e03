package chain_test

import (
	"testing"

	"github.com/btcsuite/btcd/btcec/v2"
	"github.com/btcsuite/btcd/btcec/v2/schnorr"

	"github.com/devchain/devchain/chain"
)

// TestSignTransactionSignsEachInput checks that signing fills each input's
// public key with its signer's x-only key and a BIP340 signature over that
// input's own digest. (consensus.VerifySignatures is tested in package
// consensus.)
func TestSignTransactionSignsEachInput(t *testing.T) {
	tx, spent := sampleSignedTx(t)
	hasher, err := chain.NewSigHasher(tx, spent, testGenesisHash)
	if err != nil {
		t.Fatal(err)
	}
	for i, in := range tx.Inputs {
		if chain.Address(in.PubKey) != spent[i].Address {
			t.Errorf("input %d: PubKey is not the spent output's address", i)
		}
		pub, err := schnorr.ParsePubKey(in.PubKey[:])
		if err != nil {
			t.Fatalf("input %d: %v", i, err)
		}
		sig, err := schnorr.ParseSignature(in.Signature[:])
		if err != nil {
			t.Fatalf("input %d: %v", i, err)
		}
		digest := hasher.Hash(i)
		if !sig.Verify(digest[:], pub) {
			t.Errorf("input %d: signature does not verify over its digest", i)
		}
		other := hasher.Hash(1 - i)
		if sig.Verify(other[:], pub) {
			t.Errorf("input %d: signature also verifies over input %d's digest", i, 1-i)
		}
	}
}

// TestSigHashCommitments checks that the digest changes with the genesis
// hash, with each spent amount and address, and with the input index.
func TestSigHashCommitments(t *testing.T) {
	tx, spent := sampleSignedTx(t)
	digest := func(tb testing.TB, spent []chain.TxOut, genesis chain.Hash) chain.Hash {
		tb.Helper()
		h, err := chain.NewSigHasher(tx, spent, genesis)
		if err != nil {
			tb.Fatal(err)
		}
		return h.Hash(0)
	}
	base := digest(t, spent, testGenesisHash)
	withSpent := func(i int, change func(*chain.TxOut)) []chain.TxOut {
		s := append([]chain.TxOut(nil), spent...)
		change(&s[i])
		return s
	}
	tests := []struct {
		name    string
		spent   []chain.TxOut
		genesis chain.Hash
	}{
		{"other genesis", spent, chain.DoubleSHA256([]byte("another chain"))},
		{"own spent amount", withSpent(0, func(o *chain.TxOut) { o.Amount++ }), testGenesisHash},
		{"other input's spent amount", withSpent(1, func(o *chain.TxOut) { o.Amount-- }), testGenesisHash},
		{"other input's spent address", withSpent(1, func(o *chain.TxOut) { o.Address[0] ^= 1 }), testGenesisHash},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if digest(t, tt.spent, tt.genesis) == base {
				t.Errorf("digest of input 0 unchanged")
			}
		})
	}
	hasher, err := chain.NewSigHasher(tx, spent, testGenesisHash)
	if err != nil {
		t.Fatal(err)
	}
	if hasher.Hash(0) == hasher.Hash(1) {
		t.Errorf("inputs 0 and 1 sign the same digest")
	}
}

// TestSignTransactionArgumentErrors checks that signing refuses key and
// spent-output lists that do not match the inputs.
func TestSignTransactionArgumentErrors(t *testing.T) {
	tx, spent := sampleSignedTx(t)
	key := testKey("alice")
	tests := []struct {
		name  string
		spent []chain.TxOut
		keys  []*btcec.PrivateKey
	}{
		{"one key for two inputs", spent, []*btcec.PrivateKey{key}},
		{"three keys for two inputs", spent, []*btcec.PrivateKey{key, key, key}},
		{"one spent output for two inputs", spent[:1], []*btcec.PrivateKey{key, key}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := chain.SignTransaction(cloneTx(t, tx), tt.spent, tt.keys, testGenesisHash); err == nil {
				t.Errorf("SignTransaction succeeded, want an error")
			}
		})
	}
	if _, err := chain.NewSigHasher(tx, spent[:1], testGenesisHash); err == nil {
		t.Errorf("NewSigHasher with one spent output for two inputs succeeded, want an error")
	}
}
