package consensus_test

import (
	"errors"
	"testing"

	"github.com/devchain/devchain/chain"
	"github.com/devchain/devchain/consensus"
)

// TestCheckBlockSanityOrder checks which rule CheckBlockSanity reports
// first. The Merkle root comes before everything else, so that a copy of a
// real block with its transactions stripped or repeated is reported as a
// mutation (which never marks the real block invalid), while a header that
// itself commits to no transactions (root zero) is simply invalid.
func TestCheckBlockSanityOrder(t *testing.T) {
	p := devnetParams(t)
	coinbase := chain.NewCoinbase(1, nil, chain.TxOut{Amount: 1, Address: chain.Address{1}})
	realRoot := chain.MerkleRoot([]chain.Hash{coinbase.TxID()})
	tests := []struct {
		name string
		root chain.Hash
		txs  []*chain.Transaction
		want consensus.ErrorCode
	}{
		{"real header, transactions stripped", realRoot, nil, consensus.ErrBadMerkleRoot},
		{"header committing to no transactions", chain.ZeroHash, nil, consensus.ErrNoTransactions},
		{"real header, coinbase repeated", realRoot, []*chain.Transaction{coinbase, coinbase}, consensus.ErrBadMerkleRoot},
		{"consistent header, coinbase repeated", chain.MerkleRoot([]chain.Hash{coinbase.TxID(), coinbase.TxID()}), []*chain.Transaction{coinbase, coinbase}, consensus.ErrDuplicateTx},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := &chain.Block{Header: chain.BlockHeader{MerkleRoot: tt.root}, Transactions: tt.txs}
			if err := consensus.CheckBlockSanity(b, p); !errors.Is(err, tt.want) {
				t.Fatalf("CheckBlockSanity = %v, want %v", err, tt.want)
			}
		})
	}
	ok := &chain.Block{Header: chain.BlockHeader{MerkleRoot: realRoot}, Transactions: []*chain.Transaction{coinbase}}
	if err := consensus.CheckBlockSanity(ok, p); err != nil {
		t.Fatalf("CheckBlockSanity of a coinbase-only block: %v", err)
	}
}
