package badgerstore

import (
	"github.com/devchain/devchain/chain"
	"github.com/devchain/devchain/consensus/store"
)

// Keys of the Badger layout (encoding.go), for tests that damage a datadir
// on purpose.
var (
	KeyGenesis = keyGenesis
	KeyTip     = keyTip
	KeySchema  = keySchema
)

// RecordKey returns the key of a block's index record.
func RecordKey(h chain.Hash) []byte { return hashKey(prefixRecord, h) }

// BlockKey returns the key of a block's serialization.
func BlockKey(h chain.Hash) []byte { return hashKey(prefixBlock, h) }

// UndoKey returns the key of a block's undo record.
func UndoKey(h chain.Hash) []byte { return hashKey(prefixUndo, h) }

// UTXOKey returns the key of an unspent output.
func UTXOKey(op chain.OutPoint) []byte { return utxoKey(op) }

// AddressKey returns the key of an output in the address index.
func AddressKey(addr chain.Address, op chain.OutPoint) []byte { return addressKey(addr, op) }

// HistoryKey returns the key of an address history entry.
func HistoryKey(e store.HistoryEntry) []byte { return historyKey(e) }

// EncodeUTXO, EncodeUndo and EncodeRecord are the value encoders.
var (
	EncodeUTXO   = func(u store.UTXO) []byte { return appendUTXO(nil, u) }
	EncodeUndo   = encodeUndo
	EncodeRecord = encodeRecord
)
