package chain_test

import (
	"bytes"
	"testing"

	"github.com/devchain/devchain/chain"
)

// cloneTx returns a deep copy of tx.
func cloneTx(tb testing.TB, tx *chain.Transaction) *chain.Transaction {
	tb.Helper()
	c, err := chain.DecodeTransaction(tx.Serialize())
	if err != nil {
		tb.Fatal(err)
	}
	return c
}

// TestTxIDCommitsToEveryField checks that the txid is the double SHA-256 of
// the whole serialization, so changing any byte, including a signature
// byte, gives another txid.
func TestTxIDCommitsToEveryField(t *testing.T) {
	tx, _ := sampleSignedTx(t)
	if got, want := tx.TxID(), chain.DoubleSHA256(tx.Serialize()); got != want {
		t.Fatalf("TxID() = %s, want DoubleSHA256(Serialize()) = %s", got, want)
	}
	tests := []struct {
		name   string
		mutate func(*chain.Transaction)
	}{
		{"signature first byte", func(tx *chain.Transaction) { tx.Inputs[0].Signature[0] ^= 1 }},
		{"signature last byte", func(tx *chain.Transaction) { tx.Inputs[1].Signature[chain.SignatureSize-1] ^= 0x80 }},
		{"public key", func(tx *chain.Transaction) { tx.Inputs[1].PubKey[5] ^= 1 }},
		{"outpoint txid", func(tx *chain.Transaction) { tx.Inputs[0].PrevOut.TxID[31] ^= 1 }},
		{"outpoint index", func(tx *chain.Transaction) { tx.Inputs[1].PrevOut.Index++ }},
		{"output amount", func(tx *chain.Transaction) { tx.Outputs[2].Amount++ }},
		{"output address", func(tx *chain.Transaction) { tx.Outputs[0].Address[0] ^= 1 }},
		{"version", func(tx *chain.Transaction) { tx.Version++ }},
		{"inputs swapped", func(tx *chain.Transaction) { tx.Inputs[0], tx.Inputs[1] = tx.Inputs[1], tx.Inputs[0] }},
		{"output dropped", func(tx *chain.Transaction) { tx.Outputs = tx.Outputs[:2] }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			mutated := cloneTx(t, tx)
			tt.mutate(mutated)
			if mutated.TxID() == tx.TxID() {
				t.Errorf("TxID unchanged after changing the %s", tt.name)
			}
		})
	}
}

// TestNewCoinbase checks the coinbase shape: one input naming the zero txid
// with the height as its index and the extra data in the free 96 bytes.
func TestNewCoinbase(t *testing.T) {
	extra := bytes.Repeat([]byte{0xab}, 40) // spans PubKey and Signature
	out := chain.TxOut{Amount: 50 * chain.UnitsPerCoin, Address: chain.Address{9}}
	cb := chain.NewCoinbase(123456, extra, out)
	if !cb.IsCoinbase() {
		t.Fatalf("IsCoinbase() = false")
	}
	if got := cb.CoinbaseHeight(); got != 123456 {
		t.Errorf("CoinbaseHeight() = %d, want 123456", got)
	}
	free := append(cb.Inputs[0].PubKey[:], cb.Inputs[0].Signature[:]...)
	if want := append(extra, make([]byte, 96-len(extra))...); !bytes.Equal(free, want) {
		t.Errorf("free data = %x, want %x", free, want)
	}
	if len(cb.Outputs) != 1 || cb.Outputs[0] != out {
		t.Errorf("Outputs = %+v, want [%+v]", cb.Outputs, out)
	}
	if chain.NewCoinbase(1, nil).TxID() == chain.NewCoinbase(2, nil).TxID() {
		t.Errorf("coinbases of different heights share a txid")
	}

	tx, _ := sampleSignedTx(t)
	twoInputs := &chain.Transaction{Inputs: []chain.TxIn{cb.Inputs[0], cb.Inputs[0]}}
	for _, notCoinbase := range []*chain.Transaction{tx, twoInputs, {}} {
		if notCoinbase.IsCoinbase() {
			t.Errorf("IsCoinbase() = true for %+v", notCoinbase)
		}
	}
}
