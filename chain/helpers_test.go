package chain_test

import (
	"crypto/sha256"
	"encoding/hex"
	"testing"

	"github.com/btcsuite/btcd/btcec/v2"

	"github.com/devchain/devchain/chain"
)

// Fixtures shared by the chain tests: deterministic keys, a signed
// transaction and a block, built only through the package's exported API.

func mustDecodeHex(tb testing.TB, s string) []byte {
	tb.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		tb.Fatalf("hex %q: %v", s, err)
	}
	return b
}

func mustParseHash(tb testing.TB, s string) chain.Hash {
	tb.Helper()
	h, err := chain.ParseHash(s)
	if err != nil {
		tb.Fatalf("ParseHash(%q): %v", s, err)
	}
	return h
}

// testKey returns a private key derived from seed, the same on every run.
func testKey(seed string) *btcec.PrivateKey {
	sum := sha256.Sum256([]byte(seed))
	key, _ := btcec.PrivKeyFromBytes(sum[:])
	return key
}

// testGenesisHash stands in for a chain's genesis hash in signature digests.
var testGenesisHash = chain.DoubleSHA256([]byte("chain test genesis"))

// sampleSignedTx returns a transaction with two inputs (signed by two keys)
// and three outputs, and the outputs its inputs spend.
func sampleSignedTx(tb testing.TB) (*chain.Transaction, []chain.TxOut) {
	tb.Helper()
	alice, bob := testKey("alice"), testKey("bob")
	carol := chain.AddressFromPubKey(testKey("carol").PubKey())
	spent := []chain.TxOut{
		{Amount: 30 * chain.UnitsPerCoin, Address: chain.AddressFromPubKey(alice.PubKey())},
		{Amount: 12 * chain.UnitsPerCoin, Address: chain.AddressFromPubKey(bob.PubKey())},
	}
	tx := &chain.Transaction{
		Version: 1,
		Inputs: []chain.TxIn{
			{PrevOut: chain.OutPoint{TxID: chain.DoubleSHA256([]byte("funding 1")), Index: 0}},
			{PrevOut: chain.OutPoint{TxID: chain.DoubleSHA256([]byte("funding 2")), Index: 7}},
		},
		Outputs: []chain.TxOut{
			{Amount: 25 * chain.UnitsPerCoin, Address: carol},
			{Amount: 16 * chain.UnitsPerCoin, Address: spent[0].Address},
			{Amount: 1, Address: spent[1].Address},
		},
	}
	if err := chain.SignTransaction(tx, spent, []*btcec.PrivateKey{alice, bob}, testGenesisHash); err != nil {
		tb.Fatalf("SignTransaction: %v", err)
	}
	return tx, spent
}

// sampleBlock returns a block at height 7 holding a coinbase and the signed
// sample transaction, with a correct Merkle root.
func sampleBlock(tb testing.TB) *chain.Block {
	tb.Helper()
	tx, _ := sampleSignedTx(tb)
	miner := chain.AddressFromPubKey(testKey("miner").PubKey())
	coinbase := chain.NewCoinbase(7, []byte("extra nonce"), chain.TxOut{Amount: 50 * chain.UnitsPerCoin, Address: miner})
	b := &chain.Block{
		Header: chain.BlockHeader{
			Version:   1,
			PrevBlock: chain.DoubleSHA256([]byte("parent")),
			Timestamp: 1767225600,
			Bits:      0x207fffff,
			Nonce:     42,
		},
		Transactions: []*chain.Transaction{coinbase, tx},
	}
	b.Header.MerkleRoot = chain.MerkleRoot(b.TxIDs())
	return b
}
