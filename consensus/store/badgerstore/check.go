package badgerstore

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"fmt"

	"github.com/dgraph-io/badger/v4"

	"github.com/devchain/devchain/chain"
	"github.com/devchain/devchain/consensus/store"
)

// Check reads every value of the store and refuses a damaged one, so that
// a node opening a datadir says what is wrong at once instead of failing,
// or answering wrong, later. Values are decoded, checked against their key
// (a block or record is stored under its own hash), and the values that
// repeat each other are cross-checked: the address index holds exactly the
// UTXO set, each address history entry names a transaction that the
// transaction index places at the same height and position, and the tip,
// the genesis and every undo record and block belong to a block record.
// Garbage of the right length is caught by these cross-checks, not only
// truncated values. Every error wraps ErrCorrupt and names the key.
//
// The cost is one pass over the store (about a second per million values).
func (s *Store) Check() error {
	c := checker{records: map[chain.Hash]uint32{}}
	steps := []struct {
		prefix byte
		fn     func(key, value []byte) error
	}{
		{prefixRecord, c.record},
		{prefixBlock, c.block},
		{prefixUndo, c.undo},
		{prefixUTXO, c.utxo},
		{prefixAddress, c.address},
		{prefixTx, c.tx},
	}
	for _, step := range steps {
		if err := s.reader().scan([]byte{step.prefix}, step.fn); err != nil {
			return err
		}
	}
	if c.addresses != c.utxos || c.addressDigest != c.utxoDigest {
		return fmt.Errorf("%w: the address index (%d outputs) does not hold exactly the UTXO set (%d outputs)", store.ErrCorrupt, c.addresses, c.utxos)
	}
	// Both indexes are optional (consensus.Indexer): the history is
	// cross-checked with the transaction index only when there is one.
	if c.txs > 0 {
		if err := s.db.View(func(txn *badger.Txn) error {
			return c.history(txn, s)
		}); err != nil {
			return err
		}
	}
	return c.meta(s)
}

// checker carries what one Check pass has seen.
type checker struct {
	records map[chain.Hash]uint32 // height by hash
	// The UTXO set and the address index are compared by count and by an
	// order-independent digest (XOR of each entry's SHA-256), so the check
	// holds no copy of either: its memory does not grow with the chain.
	utxos, addresses          int
	utxoDigest, addressDigest [sha256.Size]byte
	tipHeight                 uint32
	txs                       int // transaction index entries
}

// xorEntry folds SHA-256(outpoint || value) into digest.
func xorEntry(digest *[sha256.Size]byte, outPoint, value []byte) {
	h := sha256.New()
	h.Write(outPoint)
	h.Write(value)
	var sum [sha256.Size]byte
	h.Sum(sum[:0])
	for i := range digest {
		digest[i] ^= sum[i]
	}
}

func corruptKey(key []byte, format string, args ...any) error {
	return fmt.Errorf("%w: key %x: %s", store.ErrCorrupt, key, fmt.Sprintf(format, args...))
}

// keyHash reads the hash of a prefix + hash key.
func keyHash(key []byte) (chain.Hash, error) {
	var h chain.Hash
	if len(key) != 1+chain.HashSize {
		return h, corruptKey(key, "%d bytes, want %d", len(key), 1+chain.HashSize)
	}
	copy(h[:], key[1:])
	return h, nil
}

func (c *checker) record(key, value []byte) error {
	hash, err := keyHash(key)
	if err != nil {
		return err
	}
	r, err := decodeRecord(value)
	if err != nil {
		return fmt.Errorf("block record %s: %w", hash, err)
	}
	if got := r.Header.Hash(); got != hash {
		return fmt.Errorf("%w: block record %s holds the header of block %s", store.ErrCorrupt, hash, got)
	}
	if r.Status&^(store.StatusHaveData|store.StatusValid|store.StatusFailed|store.StatusFailedChild) != 0 {
		return fmt.Errorf("%w: block record %s: unknown status flags %08b", store.ErrCorrupt, hash, r.Status)
	}
	c.records[hash] = r.Height
	return nil
}

func (c *checker) block(key, value []byte) error {
	hash, err := keyHash(key)
	if err != nil {
		return err
	}
	if _, ok := c.records[hash]; !ok {
		return fmt.Errorf("%w: block %s is stored without a block record", store.ErrCorrupt, hash)
	}
	b, err := chain.DecodeBlock(value)
	if err != nil {
		return fmt.Errorf("%w: block %s (%d bytes): %v", store.ErrCorrupt, hash, len(value), err)
	}
	if got := b.Hash(); got != hash {
		return fmt.Errorf("%w: block %s holds block %s", store.ErrCorrupt, hash, got)
	}
	// A flipped bit in a transaction leaves the header, and so the hash,
	// intact: the Merkle root catches it.
	if root := chain.MerkleRoot(b.TxIDs()); root != b.Header.MerkleRoot {
		return fmt.Errorf("%w: block %s: its transactions do not give the Merkle root of its header (a stored transaction is damaged)", store.ErrCorrupt, hash)
	}
	return nil
}

func (c *checker) undo(key, value []byte) error {
	hash, err := keyHash(key)
	if err != nil {
		return err
	}
	if _, ok := c.records[hash]; !ok {
		return fmt.Errorf("%w: undo record of block %s, which has no block record", store.ErrCorrupt, hash)
	}
	u, err := decodeUndo(hash, value)
	if err != nil {
		return err
	}
	for _, o := range u.Spent {
		if o.UTXO.Amount < 0 {
			return fmt.Errorf("%w: undo record of block %s: negative amount", store.ErrCorrupt, hash)
		}
	}
	return nil
}

func (c *checker) utxo(key, value []byte) error {
	if len(key) != 1+outPointSize {
		return corruptKey(key, "utxo key of %d bytes", len(key))
	}
	u, err := decodeUTXO(value)
	if err != nil {
		return fmt.Errorf("utxo %x: %w", key[1:], err)
	}
	if u.Amount < 0 {
		return fmt.Errorf("%w: utxo %x: negative amount", store.ErrCorrupt, key[1:])
	}
	c.utxos++
	xorEntry(&c.utxoDigest, key[1:], value)
	return nil
}

func (c *checker) address(key, value []byte) error {
	if len(key) != 1+chain.AddressSize+outPointSize {
		return corruptKey(key, "address index key of %d bytes", len(key))
	}
	u, err := decodeUTXO(value)
	if err != nil {
		return fmt.Errorf("address index entry %x: %w", key[1:], err)
	}
	if !bytes.Equal(u.Address[:], key[1:1+chain.AddressSize]) {
		return fmt.Errorf("%w: address index entry %x is filed under another address", store.ErrCorrupt, key[1:])
	}
	c.addresses++
	xorEntry(&c.addressDigest, key[1+chain.AddressSize:], value)
	return nil
}

func (c *checker) tx(key, value []byte) error {
	txid, err := keyHash(key)
	if err != nil {
		return err
	}
	_, err = decodeTxLocation(txid, value)
	c.txs++
	return err
}

// history checks every address history entry against the transaction index.
func (c *checker) history(txn *badger.Txn, s *Store) error {
	return scanTxn(txn, []byte{prefixHistory}, func(key, value []byte) error {
		e, err := decodeHistory(key, value)
		if err != nil {
			return err
		}
		v, err := getValue(txn, hashKey(prefixTx, e.TxID))
		if errors.Is(err, store.ErrNotFound) {
			return fmt.Errorf("%w: address history entry %x names transaction %s, which the transaction index lacks", store.ErrCorrupt, key[1:], e.TxID)
		}
		if err != nil {
			return err
		}
		l, err := decodeTxLocation(e.TxID, v)
		if err != nil {
			return err
		}
		if l.Height != e.Height || l.TxIndex != e.TxIndex {
			return fmt.Errorf("%w: address history entry %x places transaction %s at %d:%d, the transaction index at %d:%d",
				store.ErrCorrupt, key[1:], e.TxID, e.Height, e.TxIndex, l.Height, l.TxIndex)
		}
		return nil
	})
}

// meta checks that the genesis and the tip are blocks of the index.
func (c *checker) meta(s *Store) error {
	genesis, ok, err := s.Genesis()
	if err != nil || !ok {
		if err == nil && len(c.records) > 0 {
			err = fmt.Errorf("%w: blocks are stored but no genesis hash", store.ErrCorrupt)
		}
		return err
	}
	if h, ok := c.records[genesis]; !ok || h != 0 {
		return fmt.Errorf("%w: genesis hash %s is not a block record at height 0", store.ErrCorrupt, genesis)
	}
	tip, err := s.Tip()
	if err != nil {
		return err
	}
	if _, ok := c.records[tip]; !ok {
		return fmt.Errorf("%w: tip %s is not a block record", store.ErrCorrupt, tip)
	}
	return nil
}
