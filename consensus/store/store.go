package store

import (
	"errors"

	"github.com/devchain/devchain/chain"
)

// ErrNotFound is returned when a requested block or undo record is absent.
var ErrNotFound = errors.New("store: not found")

// ErrCorrupt is wrapped by every error about a stored value that does not
// decode: the datadir is damaged, which is never a consensus verdict.
var ErrCorrupt = errors.New("store: corrupt value")

// BlockStatus records what is known of a block; the flags combine.
type BlockStatus uint8

// Block status flags.
const (
	// StatusHaveData: the block's transactions are stored, not only its header.
	StatusHaveData BlockStatus = 1 << iota
	// StatusValid: the block was fully validated and connected at least once.
	StatusValid
	// StatusFailed: the block broke a consensus rule, or was invalidated by hand.
	StatusFailed
	// StatusFailedChild: an ancestor of the block is failed.
	StatusFailedChild
)

// Has reports whether every flag of f is set in s.
func (s BlockStatus) Has(f BlockStatus) bool { return s&f == f }

// BlockRecord is a block index entry.
type BlockRecord struct {
	Header chain.BlockHeader
	Height uint32
	Status BlockStatus
}

// UTXO is an unspent transaction output.
type UTXO struct {
	Amount   int64
	Address  chain.Address
	Height   uint32 // height of the block that created it
	Coinbase bool   // created by a coinbase: spendable only after maturity
}

// Output is an unspent output with its outpoint.
type Output struct {
	OutPoint chain.OutPoint
	UTXO     UTXO
}

// HistoryEntry records that transaction TxID, at position TxIndex of the
// block at Height on the main chain, paid or spent from Address.
type HistoryEntry struct {
	Address chain.Address
	Height  uint32
	TxIndex uint32
	TxID    chain.Hash
}

// TxLocation places a main-chain transaction: position TxIndex of the block
// at Height (the transaction index behind getrawtransaction).
type TxLocation struct {
	TxID    chain.Hash
	Height  uint32
	TxIndex uint32
}

// Update is one block connected or disconnected, applied atomically. A
// disconnect is the mirror of a connect: it removes what the connect created
// and restores what it spent.
type Update struct {
	// Genesis, when set, records the chain this store belongs to.
	Genesis *chain.Hash
	// Tip is the main-chain tip after the update.
	Tip chain.Hash
	// Records are block index entries to write (status changes).
	Records []BlockRecord
	// RecordHashes, when it has one hash per record, holds the hashes of
	// Records' headers, in order, as the caller computed them (the engine
	// hashes each block once): a store may use them instead of hashing the
	// headers again, so they must be right.
	RecordHashes []chain.Hash
	// Block, when set, is the serialization of the block of Records[0],
	// stored with the update (as PutBlock would) so that a block arriving
	// and connecting is one write.
	Block []byte
	// Remove leaves the UTXO set (and the address index).
	Remove []Output
	// Add joins the UTXO set (and the address index).
	Add []Output
	// PutUndo stores the outputs a connected block spent, in order.
	PutUndo *Undo
	// DeleteUndo removes a disconnected block's undo record.
	DeleteUndo *chain.Hash
	// AddHistory and DeleteHistory maintain the address history.
	AddHistory    []HistoryEntry
	DeleteHistory []HistoryEntry
	// AddTxs and DeleteTxs maintain the transaction index.
	AddTxs    []TxLocation
	DeleteTxs []TxLocation
}

// Undo is what disconnecting a block needs: the outputs it spent that
// existed before it, in the order it spent them.
type Undo struct {
	Block chain.Hash
	Spent []Output
}

// Flusher is implemented by stores whose writes may still be in progress
// when Apply returns (each atomic all the same): Flush waits until every
// write made so far is on disk, as far as a killed process is concerned.
type Flusher interface {
	Flush() error
}

// Flush flushes s if it is a Flusher.
func Flush(s Store) error {
	if f, ok := s.(Flusher); ok {
		return f.Flush()
	}
	return nil
}

// Store is the chain state. Implementations apply each write atomically and
// are safe for concurrent readers.
type Store interface {
	// Genesis returns the genesis hash the store was created for, and false
	// for an empty store.
	Genesis() (chain.Hash, bool, error)
	// Tip returns the main-chain tip hash.
	Tip() (chain.Hash, error)
	// PutBlock stores a block's serialization with its index record.
	PutBlock(rec BlockRecord, block []byte) error
	// PutRecords writes block index records.
	PutRecords(recs []BlockRecord) error
	// ForEachRecord calls fn for every block index record, in no set order.
	ForEachRecord(fn func(BlockRecord) error) error
	// Block returns a block's serialization, or ErrNotFound.
	Block(hash chain.Hash) ([]byte, error)
	// Undo returns a connected block's undo record, or ErrNotFound.
	Undo(hash chain.Hash) (*Undo, error)
	// UTXO returns the unspent output at op, and false if there is none.
	UTXO(op chain.OutPoint) (UTXO, bool, error)
	// ForEachUTXO calls fn for every unspent output, in outpoint order.
	ForEachUTXO(fn func(Output) error) error
	// AddressUTXOs returns the unspent outputs paying addr, in outpoint order.
	AddressUTXOs(addr chain.Address) ([]Output, error)
	// AddressHistory returns addr's history, oldest first.
	AddressHistory(addr chain.Address) ([]HistoryEntry, error)
	// ForEachHistory calls fn for every address history entry, in
	// (address, height, position) order.
	ForEachHistory(fn func(HistoryEntry) error) error
	// TxLocation finds a main-chain transaction, and false if there is none.
	TxLocation(txid chain.Hash) (TxLocation, bool, error)
	// Apply writes one update atomically. It keeps nothing of u once it
	// returns but the bytes of u.Block, which nobody changes: the caller
	// may reuse the update and its other slices.
	Apply(u *Update) error
	// Close releases the store; a Badger store is flushed to disk.
	Close() error
}
