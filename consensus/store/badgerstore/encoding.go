package badgerstore

import (
	"encoding/binary"
	"fmt"

	"github.com/devchain/devchain/chain"
	"github.com/devchain/devchain/consensus/store"
)

// Key prefixes of the Badger store. Every key starts with one byte naming
// what it holds; multi-byte integers in keys are big-endian so that key order
// is numeric order.
const (
	prefixMeta    = 'm' // m + name                       -> meta value (genesis, tip, schema)
	prefixRecord  = 'i' // i + block hash                 -> block record
	prefixBlock   = 'b' // b + block hash                 -> block serialization
	prefixUndo    = 'u' // u + block hash                 -> undo record
	prefixUTXO    = 'o' // o + txid + index               -> utxo
	prefixAddress = 'a' // a + address + txid + index     -> utxo (the address index of unspent outputs)
	prefixHistory = 'h' // h + address + height + txindex -> txid
	prefixTx      = 'x' // x + txid                       -> height + txindex (main chain)
)

// Meta keys.
var (
	keyGenesis = []byte{prefixMeta, 'g'}
	keyTip     = []byte{prefixMeta, 't'}
	keySchema  = []byte{prefixMeta, 's'}
)

// schemaVersion is bumped whenever a layout in this file changes.
const schemaVersion = 2

// Sizes of encoded values.
const (
	recordSize   = chain.HeaderSize + 4 + 1
	utxoSize     = 8 + chain.AddressSize + 4 + 1
	outPointSize = chain.HashSize + 4
	outputSize   = outPointSize + utxoSize
)

func hashKey(prefix byte, h chain.Hash) []byte {
	return append([]byte{prefix}, h[:]...)
}

func appendOutPoint(b []byte, op chain.OutPoint) []byte {
	b = append(b, op.TxID[:]...)
	return binary.BigEndian.AppendUint32(b, op.Index)
}

func decodeOutPoint(b []byte) chain.OutPoint {
	var op chain.OutPoint
	copy(op.TxID[:], b[:chain.HashSize])
	op.Index = binary.BigEndian.Uint32(b[chain.HashSize:])
	return op
}

func utxoKey(op chain.OutPoint) []byte {
	return appendOutPoint([]byte{prefixUTXO}, op)
}

func addressKey(addr chain.Address, op chain.OutPoint) []byte {
	return appendOutPoint(append([]byte{prefixAddress}, addr[:]...), op)
}

func addressPrefix(prefix byte, addr chain.Address) []byte {
	return append([]byte{prefix}, addr[:]...)
}

func historyKey(e store.HistoryEntry) []byte {
	b := addressPrefix(prefixHistory, e.Address)
	b = binary.BigEndian.AppendUint32(b, e.Height)
	return binary.BigEndian.AppendUint32(b, e.TxIndex)
}

func decodeHistory(key, value []byte) (store.HistoryEntry, error) {
	var e store.HistoryEntry
	if len(key) != 1+chain.AddressSize+8 || len(value) != chain.HashSize {
		return e, fmt.Errorf("%w: history entry %x", store.ErrCorrupt, key)
	}
	copy(e.Address[:], key[1:])
	e.Height = binary.BigEndian.Uint32(key[1+chain.AddressSize:])
	e.TxIndex = binary.BigEndian.Uint32(key[1+chain.AddressSize+4:])
	copy(e.TxID[:], value)
	return e, nil
}

func encodeRecord(r store.BlockRecord) []byte {
	b := r.Header.Serialize()
	b = binary.LittleEndian.AppendUint32(b, r.Height)
	return append(b, byte(r.Status))
}

func decodeRecord(b []byte) (store.BlockRecord, error) {
	if len(b) != recordSize {
		return store.BlockRecord{}, fmt.Errorf("%w: block record of %d bytes, want %d", store.ErrCorrupt, len(b), recordSize)
	}
	h, err := chain.DecodeBlockHeader(b[:chain.HeaderSize])
	if err != nil {
		return store.BlockRecord{}, fmt.Errorf("%w: block record: %v", store.ErrCorrupt, err)
	}
	return store.BlockRecord{
		Header: h,
		Height: binary.LittleEndian.Uint32(b[chain.HeaderSize:]),
		Status: store.BlockStatus(b[chain.HeaderSize+4]),
	}, nil
}

func appendUTXO(b []byte, u store.UTXO) []byte {
	b = binary.LittleEndian.AppendUint64(b, uint64(u.Amount))
	b = append(b, u.Address[:]...)
	b = binary.LittleEndian.AppendUint32(b, u.Height)
	var flags byte
	if u.Coinbase {
		flags = 1
	}
	return append(b, flags)
}

func decodeUTXO(b []byte) (store.UTXO, error) {
	var u store.UTXO
	if len(b) != utxoSize || b[utxoSize-1] > 1 {
		return u, fmt.Errorf("%w: utxo value %x", store.ErrCorrupt, b)
	}
	u.Amount = int64(binary.LittleEndian.Uint64(b))
	copy(u.Address[:], b[8:])
	u.Height = binary.LittleEndian.Uint32(b[8+chain.AddressSize:])
	u.Coinbase = b[utxoSize-1] == 1
	return u, nil
}

func encodeUndo(u *store.Undo) []byte {
	b := make([]byte, 0, 4+len(u.Spent)*outputSize)
	b = binary.LittleEndian.AppendUint32(b, uint32(len(u.Spent)))
	for _, o := range u.Spent {
		b = appendOutPoint(b, o.OutPoint)
		b = appendUTXO(b, o.UTXO)
	}
	return b
}

func decodeUndo(block chain.Hash, b []byte) (*store.Undo, error) {
	if len(b) < 4 {
		return nil, fmt.Errorf("%w: undo record of block %s is %d bytes", store.ErrCorrupt, block, len(b))
	}
	n := binary.LittleEndian.Uint32(b)
	b = b[4:]
	if uint64(len(b)) != uint64(n)*outputSize {
		return nil, fmt.Errorf("%w: undo record of block %s: %d entries in %d bytes", store.ErrCorrupt, block, n, len(b))
	}
	u := &store.Undo{Block: block, Spent: make([]store.Output, n)}
	for i := range u.Spent {
		entry := b[i*outputSize : (i+1)*outputSize]
		utxo, err := decodeUTXO(entry[outPointSize:])
		if err != nil {
			return nil, fmt.Errorf("undo record of block %s: %w", block, err)
		}
		u.Spent[i] = store.Output{OutPoint: decodeOutPoint(entry), UTXO: utxo}
	}
	return u, nil
}

func decodeHash(what string, b []byte) (chain.Hash, error) {
	var h chain.Hash
	if len(b) != chain.HashSize {
		return h, fmt.Errorf("%w: %s of %d bytes", store.ErrCorrupt, what, len(b))
	}
	copy(h[:], b)
	return h, nil
}

func encodeTxLocation(l store.TxLocation) []byte {
	b := binary.LittleEndian.AppendUint32(make([]byte, 0, 8), l.Height)
	return binary.LittleEndian.AppendUint32(b, l.TxIndex)
}

func decodeTxLocation(txid chain.Hash, b []byte) (store.TxLocation, error) {
	if len(b) != 8 {
		return store.TxLocation{}, fmt.Errorf("%w: transaction index entry of %s is %d bytes", store.ErrCorrupt, txid, len(b))
	}
	return store.TxLocation{TxID: txid, Height: binary.LittleEndian.Uint32(b), TxIndex: binary.LittleEndian.Uint32(b[4:])}, nil
}
