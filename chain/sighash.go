package chain

import (
	"crypto/sha256"
	"encoding/binary"
	"fmt"

	"github.com/btcsuite/btcd/btcec/v2"
	"github.com/btcsuite/btcd/btcec/v2/schnorr"
)

// sigHashTag domain-separates signature digests from every other SHA-256 use,
// as BIP340's tagged hashes do.
const sigHashTag = "devchain/sighash"

var sigHashTagDigest = sha256.Sum256([]byte(sigHashTag))

// SigHasher computes the digest each input of one transaction signs. The
// digest commits to the chain (its genesis hash), the transaction version,
// every input's outpoint with the amount and address it spends, every output,
// and the index of the signing input. Committing to spent amounts lets a
// signer that only knows its own coins be sure of the fee it pays.
//
// The per-transaction parts are hashed once, so signing or verifying all
// inputs costs linear, not quadratic, time.
type SigHasher struct {
	genesis Hash
	version uint32
	inputs  [32]byte
	outputs [32]byte
}

// NewSigHasher prepares the digests of tx's inputs; spent[i] must be the
// output that input i spends.
func NewSigHasher(tx *Transaction, spent []TxOut, genesis Hash) (*SigHasher, error) {
	if len(spent) != len(tx.Inputs) {
		return nil, fmt.Errorf("chain: sighash: %d spent outputs for %d inputs", len(spent), len(tx.Inputs))
	}
	ins := sha256.New()
	var buf [HashSize + 4 + 8 + AddressSize]byte
	for i, in := range tx.Inputs {
		b := append(buf[:0], in.PrevOut.TxID[:]...)
		b = binary.LittleEndian.AppendUint32(b, in.PrevOut.Index)
		b = binary.LittleEndian.AppendUint64(b, uint64(spent[i].Amount))
		b = append(b, spent[i].Address[:]...)
		ins.Write(b)
	}
	outs := sha256.New()
	for _, out := range tx.Outputs {
		b := binary.LittleEndian.AppendUint64(buf[:0], uint64(out.Amount))
		outs.Write(append(b, out.Address[:]...))
	}
	s := &SigHasher{genesis: genesis, version: tx.Version}
	ins.Sum(s.inputs[:0])
	outs.Sum(s.outputs[:0])
	return s, nil
}

// Hash returns the digest that input i signs.
func (s *SigHasher) Hash(i int) Hash {
	h := sha256.New()
	h.Write(sigHashTagDigest[:])
	h.Write(sigHashTagDigest[:])
	h.Write(s.genesis[:])
	var b [4]byte
	binary.LittleEndian.PutUint32(b[:], s.version)
	h.Write(b[:])
	h.Write(s.inputs[:])
	h.Write(s.outputs[:])
	binary.LittleEndian.PutUint32(b[:], uint32(i))
	h.Write(b[:])
	var d Hash
	h.Sum(d[:0])
	return d
}

// SignTransaction fills every input's PubKey and Signature: keys[i] signs
// input i, which spends spent[i].
func SignTransaction(tx *Transaction, spent []TxOut, keys []*btcec.PrivateKey, genesis Hash) error {
	if len(keys) != len(tx.Inputs) {
		return fmt.Errorf("chain: sign: %d keys for %d inputs", len(keys), len(tx.Inputs))
	}
	hasher, err := NewSigHasher(tx, spent, genesis)
	if err != nil {
		return err
	}
	for i, key := range keys {
		digest := hasher.Hash(i)
		sig, err := schnorr.Sign(key, digest[:])
		if err != nil {
			return fmt.Errorf("chain: sign input %d: %w", i, err)
		}
		tx.Inputs[i].PubKey = AddressFromPubKey(key.PubKey())
		copy(tx.Inputs[i].Signature[:], sig.Serialize())
	}
	return nil
}
