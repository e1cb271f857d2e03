package chain

import (
	"encoding/binary"
)

// Sizes of the fixed-width parts of a transaction.
const (
	PubKeySize    = 32 // BIP340 x-only public key
	SignatureSize = 64 // BIP340 Schnorr signature
	txInSize      = HashSize + 4 + PubKeySize + SignatureSize
	txOutSize     = 8 + AddressSize
	minTxSize     = 4 + 1 + 1 // version and two empty counts
)

// OutPoint names a transaction output: the txid and the output's index.
type OutPoint struct {
	TxID  Hash
	Index uint32
}

// TxIn spends one output. PubKey must be the spent output's address and
// Signature a BIP340 signature by it over the transaction's SignatureHash.
//
// In a coinbase (a single input naming the zero txid) nothing is spent:
// PrevOut.Index holds the block height, which keeps coinbase txids unique as
// Bitcoin's BIP34 does, and the 96 bytes of PubKey and Signature are free data
// (the miner's extra nonce, the genesis parameter commitment).
type TxIn struct {
	PrevOut   OutPoint
	PubKey    [PubKeySize]byte
	Signature [SignatureSize]byte
}

// TxOut pays Amount units (1 coin = 100,000,000 units) to Address.
type TxOut struct {
	Amount  int64
	Address Address
}

// Transaction moves value from spent outputs to new ones.
type Transaction struct {
	Version uint32
	Inputs  []TxIn
	Outputs []TxOut
}

// UnitsPerCoin is the number of units in one coin.
const UnitsPerCoin = 100_000_000

// IsCoinbase reports whether tx is a coinbase: exactly one input, naming the
// zero txid.
func (tx *Transaction) IsCoinbase() bool {
	return len(tx.Inputs) == 1 && tx.Inputs[0].PrevOut.TxID.IsZero()
}

// SerializeSize returns the length of tx's serialization.
func (tx *Transaction) SerializeSize() int {
	return 4 + varIntSize(uint64(len(tx.Inputs))) + len(tx.Inputs)*txInSize +
		varIntSize(uint64(len(tx.Outputs))) + len(tx.Outputs)*txOutSize
}

// Serialize returns the canonical encoding of tx.
func (tx *Transaction) Serialize() []byte {
	return tx.appendTo(make([]byte, 0, tx.SerializeSize()))
}

func (tx *Transaction) appendTo(b []byte) []byte {
	b = binary.LittleEndian.AppendUint32(b, tx.Version)
	b = appendVarInt(b, uint64(len(tx.Inputs)))
	for i := range tx.Inputs {
		in := &tx.Inputs[i]
		b = append(b, in.PrevOut.TxID[:]...)
		b = binary.LittleEndian.AppendUint32(b, in.PrevOut.Index)
		b = append(b, in.PubKey[:]...)
		b = append(b, in.Signature[:]...)
	}
	b = appendVarInt(b, uint64(len(tx.Outputs)))
	for _, out := range tx.Outputs {
		b = binary.LittleEndian.AppendUint64(b, uint64(out.Amount))
		b = append(b, out.Address[:]...)
	}
	return b
}

// TxID returns the transaction id: the double SHA-256 of the whole
// serialization. BIP340 signatures cannot be altered by third parties, so the
// signature is part of the id without making it malleable.
func (tx *Transaction) TxID() Hash {
	// A small transaction (a coinbase, a one-input payment) is encoded on
	// the stack: txids are computed for every transaction of every block a
	// node connects, and the buffer would otherwise be garbage at once.
	var buf [txIDStackBytes]byte
	return DoubleSHA256(tx.appendTo(buf[:0]))
}

// txIDStackBytes fits a transaction of two inputs and a few outputs.
const txIDStackBytes = 512

// DecodeTransaction decodes one transaction that fills b exactly.
func DecodeTransaction(b []byte) (*Transaction, error) {
	r := reader{buf: b}
	tx := r.transaction()
	if err := r.finish(); err != nil {
		return nil, err
	}
	return tx, nil
}

func (r *reader) transaction() *Transaction {
	tx := &Transaction{Version: r.uint32()}
	if n := r.count(txInSize); n > 0 {
		tx.Inputs = make([]TxIn, n)
		for i := range tx.Inputs {
			in := &tx.Inputs[i]
			in.PrevOut.TxID = r.hash()
			in.PrevOut.Index = r.uint32()
			copy(in.PubKey[:], r.next(PubKeySize))
			copy(in.Signature[:], r.next(SignatureSize))
		}
	}
	if n := r.count(txOutSize); n > 0 {
		tx.Outputs = make([]TxOut, n)
		for i := range tx.Outputs {
			tx.Outputs[i].Amount = int64(r.uint64())
			copy(tx.Outputs[i].Address[:], r.next(AddressSize))
		}
	}
	if r.err != nil {
		return nil
	}
	return tx
}

// NewCoinbase returns the coinbase transaction of a block at height, paying
// outputs, with extra (at most 96 bytes, the rest zero) as its free data.
func NewCoinbase(height uint32, extra []byte, outputs ...TxOut) *Transaction {
	in := TxIn{PrevOut: OutPoint{Index: height}}
	var free [PubKeySize + SignatureSize]byte
	copy(free[:], extra)
	copy(in.PubKey[:], free[:PubKeySize])
	copy(in.Signature[:], free[PubKeySize:])
	return &Transaction{Version: 1, Inputs: []TxIn{in}, Outputs: outputs}
}

// CoinbaseHeight returns the height committed by a coinbase transaction.
func (tx *Transaction) CoinbaseHeight() uint32 {
	return tx.Inputs[0].PrevOut.Index
}
