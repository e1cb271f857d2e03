package store

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"log/slog"

	"github.com/dgraph-io/badger/v4"

	"github.com/devchain/devchain/chain"
)

// BadgerOptions configures a Badger store.
type BadgerOptions struct {
	// Logger receives Badger's own warnings and errors; nil discards them.
	Logger *slog.Logger
	// MaxBlockBytes is the largest block the chain allows. One block's update
	// must fit in one Badger transaction, so it sizes the memtables.
	MaxBlockBytes int64
}

// Memtable sizing: a block's update writes at most ~0.1 entries per block
// byte (an output is 40 bytes and writes up to three entries) of at most ~100
// bytes each, and Badger caps a transaction at 15% of a memtable.
const (
	minMemTableSize           = 64 << 20
	memTableBytesPerBlockByte = 72
)

// Badger is a Store in a Badger database directory.
type Badger struct {
	db *badger.DB
}

// OpenBadger opens (creating if needed) the Badger store in dir.
func OpenBadger(dir string, opts BadgerOptions) (*Badger, error) {
	memTable := int64(minMemTableSize)
	if need := opts.MaxBlockBytes * memTableBytesPerBlockByte; need > memTable {
		memTable = need
	}
	bopts := badger.DefaultOptions(dir).
		WithLogger(badgerLogger{opts.Logger}).
		WithMemTableSize(memTable).
		WithNumMemtables(2).
		WithBlockCacheSize(16 << 20).
		WithIndexCacheSize(8 << 20).
		WithNumVersionsToKeep(1)
	db, err := badger.Open(bopts)
	if err != nil {
		return nil, fmt.Errorf("store: open %s: %w", dir, err)
	}
	s := &Badger{db: db}
	if err := s.checkSchema(); err != nil {
		db.Close()
		return nil, err
	}
	return s, nil
}

func (s *Badger) checkSchema() error {
	return s.db.Update(func(txn *badger.Txn) error {
		v, err := getValue(txn, keySchema)
		switch {
		case errors.Is(err, ErrNotFound):
			return txn.Set(keySchema, binary.LittleEndian.AppendUint32(nil, schemaVersion))
		case err != nil:
			return err
		case len(v) != 4 || binary.LittleEndian.Uint32(v) != schemaVersion:
			return fmt.Errorf("store: datadir schema %x, this build reads schema %d", v, schemaVersion)
		}
		return nil
	})
}

// getValue returns a copy of key's value, or ErrNotFound.
func getValue(txn *badger.Txn, key []byte) ([]byte, error) {
	item, err := txn.Get(key)
	if errors.Is(err, badger.ErrKeyNotFound) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("store: get %x: %w", key, err)
	}
	v, err := item.ValueCopy(nil)
	if err != nil {
		return nil, fmt.Errorf("store: read %x: %w", key, err)
	}
	return v, nil
}

func (s *Badger) get(key []byte) ([]byte, error) {
	var v []byte
	err := s.db.View(func(txn *badger.Txn) error {
		var err error
		v, err = getValue(txn, key)
		return err
	})
	return v, err
}

// scan calls fn with each key (without copying) and value under prefix, in
// key order.
func (s *Badger) scan(prefix []byte, fn func(key, value []byte) error) error {
	return s.db.View(func(txn *badger.Txn) error {
		it := txn.NewIterator(badger.IteratorOptions{Prefix: prefix, PrefetchValues: true, PrefetchSize: 100})
		defer it.Close()
		for it.Rewind(); it.Valid(); it.Next() {
			item := it.Item()
			err := item.Value(func(v []byte) error { return fn(item.Key(), v) })
			if err != nil {
				return err
			}
		}
		return nil
	})
}

// Genesis implements Store.
func (s *Badger) Genesis() (chain.Hash, bool, error) {
	v, err := s.get(keyGenesis)
	if errors.Is(err, ErrNotFound) {
		return chain.Hash{}, false, nil
	}
	if err != nil {
		return chain.Hash{}, false, err
	}
	h, err := decodeHash("genesis hash", v)
	return h, err == nil, err
}

// Tip implements Store.
func (s *Badger) Tip() (chain.Hash, error) {
	v, err := s.get(keyTip)
	if errors.Is(err, ErrNotFound) {
		return chain.Hash{}, nil
	}
	if err != nil {
		return chain.Hash{}, err
	}
	return decodeHash("tip", v)
}

// PutBlock implements Store.
func (s *Badger) PutBlock(rec BlockRecord, block []byte) error {
	hash := rec.Header.Hash()
	return s.update(func(txn *badger.Txn) error {
		if err := txn.Set(hashKey(prefixBlock, hash), block); err != nil {
			return err
		}
		return txn.Set(hashKey(prefixRecord, hash), encodeRecord(rec))
	})
}

// PutRecords implements Store.
func (s *Badger) PutRecords(recs []BlockRecord) error {
	return s.update(func(txn *badger.Txn) error {
		for _, r := range recs {
			if err := txn.Set(hashKey(prefixRecord, r.Header.Hash()), encodeRecord(r)); err != nil {
				return err
			}
		}
		return nil
	})
}

// ForEachRecord implements Store.
func (s *Badger) ForEachRecord(fn func(BlockRecord) error) error {
	return s.scan([]byte{prefixRecord}, func(key, v []byte) error {
		r, err := decodeRecord(v)
		if err != nil {
			return fmt.Errorf("key %x: %w", key, err)
		}
		return fn(r)
	})
}

// Block implements Store.
func (s *Badger) Block(hash chain.Hash) ([]byte, error) {
	return s.get(hashKey(prefixBlock, hash))
}

// Undo implements Store.
func (s *Badger) Undo(hash chain.Hash) (*Undo, error) {
	v, err := s.get(hashKey(prefixUndo, hash))
	if err != nil {
		return nil, err
	}
	return decodeUndo(hash, v)
}

// UTXO implements Store.
func (s *Badger) UTXO(op chain.OutPoint) (UTXO, bool, error) {
	v, err := s.get(utxoKey(op))
	if errors.Is(err, ErrNotFound) {
		return UTXO{}, false, nil
	}
	if err != nil {
		return UTXO{}, false, err
	}
	u, err := decodeUTXO(v)
	return u, err == nil, err
}

// ForEachUTXO implements Store.
func (s *Badger) ForEachUTXO(fn func(Output) error) error {
	return s.scan([]byte{prefixUTXO}, func(key, v []byte) error {
		if len(key) != 1+outPointSize {
			return fmt.Errorf("%w: utxo key %x", ErrCorrupt, key)
		}
		u, err := decodeUTXO(v)
		if err != nil {
			return err
		}
		return fn(Output{OutPoint: decodeOutPoint(key[1:]), UTXO: u})
	})
}

// AddressUTXOs implements Store.
func (s *Badger) AddressUTXOs(addr chain.Address) ([]Output, error) {
	var outs []Output
	err := s.scan(addressPrefix(prefixAddress, addr), func(key, v []byte) error {
		if len(key) != 1+chain.AddressSize+outPointSize {
			return fmt.Errorf("%w: address key %x", ErrCorrupt, key)
		}
		u, err := decodeUTXO(v)
		if err != nil {
			return err
		}
		outs = append(outs, Output{OutPoint: decodeOutPoint(key[1+chain.AddressSize:]), UTXO: u})
		return nil
	})
	return outs, err
}

// AddressHistory implements Store.
func (s *Badger) AddressHistory(addr chain.Address) ([]HistoryEntry, error) {
	var entries []HistoryEntry
	err := s.scan(addressPrefix(prefixHistory, addr), func(key, v []byte) error {
		e, err := decodeHistory(key, v)
		entries = append(entries, e)
		return err
	})
	return entries, err
}

// ForEachHistory implements Store.
func (s *Badger) ForEachHistory(fn func(HistoryEntry) error) error {
	return s.scan([]byte{prefixHistory}, func(key, v []byte) error {
		e, err := decodeHistory(key, v)
		if err != nil {
			return err
		}
		return fn(e)
	})
}

// TxLocation implements Store.
func (s *Badger) TxLocation(txid chain.Hash) (TxLocation, bool, error) {
	v, err := s.get(hashKey(prefixTx, txid))
	if errors.Is(err, ErrNotFound) {
		return TxLocation{}, false, nil
	}
	if err != nil {
		return TxLocation{}, false, err
	}
	l, err := decodeTxLocation(txid, v)
	return l, err == nil, err
}

// Apply implements Store.
func (s *Badger) Apply(u *Update) error {
	return s.update(func(txn *badger.Txn) error {
		w := writer{txn: txn}
		if u.Genesis != nil {
			w.set(keyGenesis, u.Genesis[:])
		}
		w.set(keyTip, u.Tip[:])
		for _, r := range u.Records {
			w.set(hashKey(prefixRecord, r.Header.Hash()), encodeRecord(r))
		}
		for _, o := range u.Remove {
			w.delete(utxoKey(o.OutPoint))
			w.delete(addressKey(o.UTXO.Address, o.OutPoint))
		}
		for _, o := range u.Add {
			v := appendUTXO(nil, o.UTXO)
			w.set(utxoKey(o.OutPoint), v)
			w.set(addressKey(o.UTXO.Address, o.OutPoint), v)
		}
		if u.PutUndo != nil {
			w.set(hashKey(prefixUndo, u.PutUndo.Block), encodeUndo(u.PutUndo))
		}
		if u.DeleteUndo != nil {
			w.delete(hashKey(prefixUndo, *u.DeleteUndo))
		}
		for _, e := range u.DeleteHistory {
			w.delete(historyKey(e))
		}
		for _, e := range u.AddHistory {
			w.set(historyKey(e), e.TxID[:])
		}
		for _, l := range u.DeleteTxs {
			w.delete(hashKey(prefixTx, l.TxID))
		}
		for _, l := range u.AddTxs {
			w.set(hashKey(prefixTx, l.TxID), encodeTxLocation(l))
		}
		return w.err
	})
}

// writer records the first error of a sequence of writes in one transaction.
type writer struct {
	txn *badger.Txn
	err error
}

func (w *writer) set(key, value []byte) {
	if w.err == nil {
		w.err = w.txn.Set(key, value)
	}
}

func (w *writer) delete(key []byte) {
	if w.err == nil {
		w.err = w.txn.Delete(key)
	}
}

func (s *Badger) update(fn func(txn *badger.Txn) error) error {
	if err := s.db.Update(fn); err != nil {
		return fmt.Errorf("store: write: %w", err)
	}
	return nil
}

// Close implements Store.
func (s *Badger) Close() error {
	if err := s.db.Close(); err != nil {
		return fmt.Errorf("store: close: %w", err)
	}
	return nil
}

// badgerLogger forwards Badger's warnings and errors to slog; its chatter
// (compactions, value log replays) goes to debug.
type badgerLogger struct{ log *slog.Logger }

func (l badgerLogger) logf(level slog.Level, format string, args []any) {
	if l.log != nil {
		l.log.Log(context.Background(), level, "badger", "detail", fmt.Sprintf(format, args...))
	}
}

func (l badgerLogger) Errorf(f string, a ...any)   { l.logf(slog.LevelError, f, a) }
func (l badgerLogger) Warningf(f string, a ...any) { l.logf(slog.LevelWarn, f, a) }
func (l badgerLogger) Infof(f string, a ...any)    { l.logf(slog.LevelDebug, f, a) }
func (l badgerLogger) Debugf(f string, a ...any)   { l.logf(slog.LevelDebug, f, a) }
