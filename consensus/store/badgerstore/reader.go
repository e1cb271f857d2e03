package badgerstore

import (
	"errors"
	"fmt"

	"github.com/dgraph-io/badger/v4"

	"github.com/devchain/devchain/chain"
	"github.com/devchain/devchain/consensus/store"
)

// txnReader decodes the chain state that a replay reads (tip, UTXO set,
// address index, history) through whichever transaction it is given: a
// fresh read transaction per call for the live store, or one long-lived
// transaction for a snapshot. One decoder serves both.
type txnReader func(fn func(txn *badger.Txn) error) error

// reader reads the live store, one read transaction per call.
func (s *Store) reader() txnReader {
	return func(fn func(txn *badger.Txn) error) error {
		if err := s.failure(); err != nil {
			return err
		}
		return s.db.View(fn)
	}
}

func (r txnReader) tip() (chain.Hash, error) {
	var v []byte
	err := r(func(txn *badger.Txn) error {
		var err error
		v, err = getValue(txn, keyTip)
		return err
	})
	if errors.Is(err, store.ErrNotFound) {
		return chain.Hash{}, nil
	}
	if err != nil {
		return chain.Hash{}, err
	}
	return decodeHash("tip", v)
}

func (r txnReader) scan(prefix []byte, fn func(key, value []byte) error) error {
	return r(func(txn *badger.Txn) error { return scanTxn(txn, prefix, fn) })
}

func (r txnReader) forEachUTXO(fn func(store.Output) error) error {
	return r.scan([]byte{prefixUTXO}, func(key, v []byte) error {
		if len(key) != 1+outPointSize {
			return fmt.Errorf("%w: utxo key %x", store.ErrCorrupt, key)
		}
		u, err := decodeUTXO(v)
		if err != nil {
			return err
		}
		return fn(store.Output{OutPoint: decodeOutPoint(key[1:]), UTXO: u})
	})
}

func (r txnReader) addressUTXOs(addr chain.Address) ([]store.Output, error) {
	var outs []store.Output
	err := r.scan(addressPrefix(prefixAddress, addr), func(key, v []byte) error {
		if len(key) != 1+chain.AddressSize+outPointSize {
			return fmt.Errorf("%w: address key %x", store.ErrCorrupt, key)
		}
		u, err := decodeUTXO(v)
		if err != nil {
			return err
		}
		outs = append(outs, store.Output{OutPoint: decodeOutPoint(key[1+chain.AddressSize:]), UTXO: u})
		return nil
	})
	return outs, err
}

func (r txnReader) forEachHistory(fn func(store.HistoryEntry) error) error {
	return r.scan([]byte{prefixHistory}, func(key, v []byte) error {
		e, err := decodeHistory(key, v)
		if err != nil {
			return err
		}
		return fn(e)
	})
}

// scanTxn calls fn with each key (without copying) and value under prefix,
// in key order, inside an open transaction.
func scanTxn(txn *badger.Txn, prefix []byte, fn func(key, value []byte) error) error {
	it := txn.NewIterator(badger.IteratorOptions{Prefix: prefix, PrefetchValues: true, PrefetchSize: 100})
	defer it.Close()
	for it.Rewind(); it.Valid(); it.Next() {
		item := it.Item()
		if err := item.Value(func(v []byte) error { return fn(item.Key(), v) }); err != nil {
			return err
		}
	}
	return nil
}
