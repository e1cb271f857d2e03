package badgerstore

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/dgraph-io/badger/v4"

	"github.com/devchain/devchain/chain"
	"github.com/devchain/devchain/consensus/store"
)

// Options configures a Badger store.
type Options struct {
	// Logger receives Badger's own warnings and errors; nil discards them.
	Logger *slog.Logger
	// MaxBlockBytes is the largest block the chain allows. It no longer
	// sizes the memtables: an update too big for one Badger transaction is
	// written through the journal (see Apply), as atomically.
	MaxBlockBytes int64
	// MemTableSize overrides the memtable size (default DefaultMemTableSize).
	MemTableSize int64
	// Genesis, when set, is the chain the caller runs: a store created for
	// another genesis is refused (ErrOtherGenesis) before anything is
	// written to it.
	Genesis *chain.Hash
	// CheckValues makes Open read every value of an existing store back
	// (Check) in its dry run, before the writing open: what a node does at
	// start-up. Tests that store hand-made values leave it off.
	CheckValues bool
	// MinFreeBytes is the free-space floor (DefaultMinFreeBytes when 0,
	// none when negative): below it the store does not open, and refuses
	// writes with ErrDiskFull.
	MinFreeBytes int64
}

// Badger tuning. The memtable is small: every write inserts into its skip
// list, whose cost grows with its size, and a node's resident memory holds
// up to two memtables and their write-ahead files. Values of 64 KiB and
// more (blocks, undo records of big blocks) go to the value log, so the LSM
// tree and the memtables hold only small entries. Nothing compresses well
// (hashes, keys, signatures), so tables are not compressed and need no block
// cache: reads go to the memory-mapped tables. Value log files are kept to
// 256 MiB so that the start-up dry run (preflight.go) copies little.
const (
	DefaultMemTableSize = 16 << 20
	valueThreshold      = 64 << 10
	valueLogFileSize    = 256 << 20
	indexCacheSize      = 8 << 20
	numCompactors       = 2
)

// markInterval spaces the flush mark's writes (each syncs Badger and
// fsyncs a file); Close always writes it.
const markInterval = time.Second

// freeCheckInterval spaces the reads of the disk's free space before
// writes: a statfs per block was a third of a synced empty block's write.
// Nothing fills a disk's last tens of MiB in a millisecond, so the floor
// still holds for the write that follows a disk filling up.
const freeCheckInterval = time.Millisecond

// Store is a store.Store in a Badger database directory.
//
// Writes that fit one Badger transaction return as soon as the
// transaction is committed to Badger's write queue, without waiting for
// Badger's writer to apply it: the caller goes on (validating the next
// block) while it does. Each write stays atomic, and Badger makes every
// later read wait for the writes committed before it, so readers always
// see them. Flush waits until every write is applied, which is when it
// survives the process being killed; a write that failed makes every
// later call fail.
type Store struct {
	db  *badger.DB
	log *slog.Logger

	utxos utxoCache // recently read and created unspent outputs

	dir     string // "" for a dry run: no flush mark, no floor
	minFree int64
	// freeAt is when the free space was last found above the floor, in
	// Unix nanoseconds.
	freeAt   atomic.Int64
	tip      chain.Hash   // the tip of the last update, for the flush mark (under mu)
	markMu   sync.Mutex   // serialises writers of the flush mark
	marked   chain.Hash   // the tip the flush mark holds (under markMu)
	markedAt atomic.Int64 // when it was written, in Unix nanoseconds

	mu        sync.Mutex
	applied   *sync.Cond // signalled as writes are applied
	issued    uint64     // writes handed to Badger's writer
	completed uint64     // writes it applied (it applies them in order)
	failed    error      // the first failure of a write that had returned
}

// Open opens (creating if needed) the Badger store in dir. An existing
// store is verified first without writing to it (preflight.go): a damaged
// or missing file, a store that holds less than the node last flushed, a
// store of another genesis or a disk below the free-space floor is refused
// with an error naming the cause, and dir is left as it was found. A write
// interrupted by a crash after its journal was committed is finished here,
// before anything reads the store.
func Open(dir string, opts Options) (*Store, error) {
	if opts.MinFreeBytes == 0 {
		opts.MinFreeBytes = DefaultMinFreeBytes
	}
	entries, err := storeFiles(dir)
	if err != nil {
		return nil, err
	}
	if len(entries) > 0 {
		if err := checkFreeSpace(dir, opts.MinFreeBytes); err != nil {
			return nil, err
		}
		start := time.Now()
		if err := preflight(dir, entries, opts); err != nil {
			return nil, err
		}
		if opts.Logger != nil {
			opts.Logger.Info("store_verified", "dir", dir, "ms", time.Since(start).Milliseconds())
		}
		if err := removeEmptyMemtables(dir, entries); err != nil {
			return nil, err
		}
	} else {
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return nil, fmt.Errorf("store: %w", err)
		}
		if err := checkFreeSpace(dir, opts.MinFreeBytes); err != nil {
			return nil, err
		}
	}
	s, err := openDB(dir, opts, false)
	if err != nil {
		return nil, fmt.Errorf("store: open %s: %w", dir, err)
	}
	s.dir, s.minFree = dir, opts.MinFreeBytes
	if err := s.checkSchema(); err != nil {
		s.db.Close()
		return nil, err
	}
	if err := s.recoverJournal(); err != nil {
		s.db.Close()
		return nil, err
	}
	if s.tip, err = s.Tip(); err != nil {
		s.db.Close()
		return nil, err
	}
	s.marked = s.tip
	return s, nil
}

// openDB opens Badger in dir.
func openDB(dir string, opts Options, dryRun bool) (*Store, error) {
	db, err := badger.Open(badgerOptions(dir, opts, dryRun))
	if err != nil {
		return nil, err
	}
	s := &Store{db: db, log: opts.Logger, utxos: newUTXOCache(utxoCacheEntries)}
	s.applied = sync.NewCond(&s.mu)
	return s, nil
}

func (s *Store) checkSchema() error {
	return s.db.Update(func(txn *badger.Txn) error {
		v, err := getValue(txn, keySchema)
		switch {
		case errors.Is(err, store.ErrNotFound):
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
		return nil, store.ErrNotFound
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

func (s *Store) get(key []byte) ([]byte, error) {
	if err := s.failure(); err != nil {
		return nil, err
	}
	var v []byte
	err := s.db.View(func(txn *badger.Txn) error {
		var err error
		v, err = getValue(txn, key)
		return err
	})
	return v, err
}

// Genesis implements Store.
func (s *Store) Genesis() (chain.Hash, bool, error) {
	v, err := s.get(keyGenesis)
	if errors.Is(err, store.ErrNotFound) {
		return chain.Hash{}, false, nil
	}
	if err != nil {
		return chain.Hash{}, false, err
	}
	h, err := decodeHash("genesis hash", v)
	return h, err == nil, err
}

// Tip implements Store.
func (s *Store) Tip() (chain.Hash, error) { return s.reader().tip() }

// PutBlock implements Store.
func (s *Store) PutBlock(rec store.BlockRecord, block []byte) error {
	hash := rec.Header.Hash()
	return s.write([]op{
		{key: hashKey(prefixBlock, hash), value: block},
		{key: hashKey(prefixRecord, hash), value: encodeRecord(rec)},
	})
}

// PutRecords implements Store.
func (s *Store) PutRecords(recs []store.BlockRecord) error {
	ops := make([]op, 0, len(recs))
	for _, r := range recs {
		ops = append(ops, op{key: hashKey(prefixRecord, r.Header.Hash()), value: encodeRecord(r)})
	}
	return s.write(ops)
}

// ForEachRecord implements Store.
func (s *Store) ForEachRecord(fn func(store.BlockRecord) error) error {
	return s.reader().scan([]byte{prefixRecord}, func(key, v []byte) error {
		r, err := decodeRecord(v)
		if err != nil {
			return fmt.Errorf("key %x: %w", key, err)
		}
		return fn(r)
	})
}

// Block implements Store.
func (s *Store) Block(hash chain.Hash) ([]byte, error) {
	return s.get(hashKey(prefixBlock, hash))
}

// Undo implements Store.
func (s *Store) Undo(hash chain.Hash) (*store.Undo, error) {
	v, err := s.get(hashKey(prefixUndo, hash))
	if err != nil {
		return nil, err
	}
	return decodeUndo(hash, v)
}

// UTXO implements Store.
func (s *Store) UTXO(op chain.OutPoint) (store.UTXO, bool, error) {
	cached, ok, gen := s.utxos.get(op)
	if ok {
		return cached, true, nil
	}
	v, err := s.get(utxoKey(op))
	if errors.Is(err, store.ErrNotFound) {
		return store.UTXO{}, false, nil
	}
	if err != nil {
		return store.UTXO{}, false, err
	}
	u, err := decodeUTXO(v)
	if err != nil {
		return u, false, err
	}
	s.utxos.fill(op, u, gen)
	return u, true, nil
}

// ForEachUTXO implements Store.
func (s *Store) ForEachUTXO(fn func(store.Output) error) error { return s.reader().forEachUTXO(fn) }

// AddressUTXOs implements Store.
func (s *Store) AddressUTXOs(addr chain.Address) ([]store.Output, error) {
	return s.reader().addressUTXOs(addr)
}

// AddressHistory implements Store.
func (s *Store) AddressHistory(addr chain.Address) ([]store.HistoryEntry, error) {
	var entries []store.HistoryEntry
	err := s.reader().scan(addressPrefix(prefixHistory, addr), func(key, v []byte) error {
		e, err := decodeHistory(key, v)
		entries = append(entries, e)
		return err
	})
	return entries, err
}

// ForEachHistory implements Store.
func (s *Store) ForEachHistory(fn func(store.HistoryEntry) error) error {
	return s.reader().forEachHistory(fn)
}

// TxLocation implements Store.
func (s *Store) TxLocation(txid chain.Hash) (store.TxLocation, bool, error) {
	v, err := s.get(hashKey(prefixTx, txid))
	if errors.Is(err, store.ErrNotFound) {
		return store.TxLocation{}, false, nil
	}
	if err != nil {
		return store.TxLocation{}, false, err
	}
	l, err := decodeTxLocation(txid, v)
	return l, err == nil, err
}

// Apply implements Store.
func (s *Store) Apply(u *store.Update) error {
	s.utxos.begin()
	if err := s.write(updateOps(u)); err != nil {
		s.utxos.reset()
		return err
	}
	s.utxos.apply(u)
	s.mu.Lock()
	s.tip = u.Tip
	s.mu.Unlock()
	// Blocks from peers are never flushed by the node one by one: the
	// flush mark follows them at most every markInterval all the same.
	if s.dir != "" && s.markDue() {
		return s.Flush()
	}
	return nil
}

// updateOps lists the writes of an update, in order.
func updateOps(u *store.Update) []op {
	n := 2 + 2*len(u.Records) + 2*len(u.Remove) + 2*len(u.Add) + 1 + len(u.AddHistory) + len(u.DeleteHistory) + len(u.AddTxs) + len(u.DeleteTxs)
	ops := make([]op, 0, n)
	set := func(key, value []byte) { ops = append(ops, op{key: key, value: value}) }
	del := func(key []byte) { ops = append(ops, op{key: key, del: true}) }
	// The batch is written after Apply returns, and the caller may reuse
	// u (store.Store.Apply): the values are copies, never u's memory.
	if u.Genesis != nil {
		genesis := *u.Genesis
		set(keyGenesis, genesis[:])
	}
	tip := u.Tip
	set(keyTip, tip[:])
	for i, r := range u.Records {
		hash := r.Header.Hash()
		set(hashKey(prefixRecord, hash), encodeRecord(r))
		if i == 0 && u.Block != nil {
			set(hashKey(prefixBlock, hash), u.Block)
		}
	}
	for _, o := range u.Remove {
		del(utxoKey(o.OutPoint))
		del(addressKey(o.UTXO.Address, o.OutPoint))
	}
	for _, o := range u.Add {
		v := appendUTXO(nil, o.UTXO)
		set(utxoKey(o.OutPoint), v)
		set(addressKey(o.UTXO.Address, o.OutPoint), v)
	}
	if u.PutUndo != nil {
		set(hashKey(prefixUndo, u.PutUndo.Block), encodeUndo(u.PutUndo))
	}
	if u.DeleteUndo != nil {
		del(hashKey(prefixUndo, *u.DeleteUndo))
	}
	for _, e := range u.DeleteHistory {
		del(historyKey(e))
	}
	for _, e := range u.AddHistory {
		set(historyKey(e), e.TxID[:])
	}
	for _, l := range u.DeleteTxs {
		del(hashKey(prefixTx, l.TxID))
	}
	for _, l := range u.AddTxs {
		set(hashKey(prefixTx, l.TxID), encodeTxLocation(l))
	}
	return ops
}

// op is one write: a key set to a value, or deleted.
type op struct {
	key, value []byte
	del        bool
}

func (o *op) apply(txn *badger.Txn) error {
	if o.del {
		return txn.Delete(o.key)
	}
	return txn.Set(o.key, o.value)
}

// write applies ops atomically: in one Badger transaction when they fit in
// one (every ordinary block does), else through the journal. A single
// transaction is handed to Badger's writer without waiting (see Badger).
func (s *Store) write(ops []op) error {
	if err := s.failure(); err != nil {
		return err
	}
	if err := s.checkFreeSpace(); err != nil {
		return err
	}
	txn := s.db.NewTransaction(true)
	for i := range ops {
		err := ops[i].apply(txn)
		if errors.Is(err, badger.ErrTxnTooBig) {
			txn.Discard()
			if err := s.Flush(); err != nil {
				return err
			}
			return s.writeJournaled(ops)
		}
		if err != nil {
			txn.Discard()
			return fmt.Errorf("store: write: %w", err)
		}
	}
	s.mu.Lock()
	s.issued++
	s.mu.Unlock()
	txn.CommitWith(func(err error) {
		s.mu.Lock()
		if err != nil && s.failed == nil {
			s.failed = fmt.Errorf("store: write: %w", err)
		}
		s.completed++
		s.applied.Broadcast()
		s.mu.Unlock()
		if err != nil && s.log != nil {
			s.log.Error("store_write_failed", "err", err)
		}
	})
	return nil
}

// failure returns the first failure of a write that had already returned.
func (s *Store) failure() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.failed
}

// Flush waits until every write made so far is applied, and reports a
// failure of any of them. At most every markInterval it also syncs Badger
// and records the tip in the flush mark.
func (s *Store) Flush() error {
	s.mu.Lock()
	// The tip is taken with the target: its write was issued before.
	tip := s.tip
	for target := s.issued; s.completed < target; {
		s.applied.Wait()
	}
	err := s.failed
	s.mu.Unlock()
	if err != nil || s.dir == "" {
		return err
	}
	s.markMu.Lock()
	defer s.markMu.Unlock()
	if tip == s.marked || !s.markDue() {
		return nil
	}
	if err := s.db.Sync(); err != nil {
		return fmt.Errorf("store: sync: %w", err)
	}
	return s.mark(tip)
}

// mark records tip, which Badger holds durably, in the flush mark; the
// caller holds markMu.
func (s *Store) mark(tip chain.Hash) error {
	v, err := s.get(hashKey(prefixRecord, tip))
	if errors.Is(err, store.ErrNotFound) {
		return nil // an empty store
	}
	if err != nil {
		return err
	}
	rec, err := decodeRecord(v)
	if err != nil {
		return err
	}
	if err := writeMark(s.dir, flushMark{Height: rec.Height, Tip: tip}); err != nil {
		return err
	}
	s.marked = tip
	s.markedAt.Store(time.Now().UnixNano())
	return nil
}

// checkFreeSpace refuses a write below the free-space floor, reading the
// disk's free space at most every freeCheckInterval while it is above.
func (s *Store) checkFreeSpace() error {
	if s.dir == "" {
		return nil
	}
	now := time.Now().UnixNano()
	if now-s.freeAt.Load() < int64(freeCheckInterval) {
		return nil
	}
	if err := checkFreeSpace(s.dir, s.minFree); err != nil {
		return err
	}
	s.freeAt.Store(now)
	return nil
}

// markDue reports whether the flush mark is older than markInterval.
func (s *Store) markDue() bool {
	return time.Since(time.Unix(0, s.markedAt.Load())) >= markInterval
}

// Close implements Store: every write is applied and synced, then the
// flush mark records the tip.
func (s *Store) Close() error {
	ferr := s.Flush()
	s.mu.Lock()
	tip := s.tip
	s.mu.Unlock()
	var rec []byte
	if ferr == nil && s.dir != "" {
		rec, ferr = s.get(hashKey(prefixRecord, tip))
		if errors.Is(ferr, store.ErrNotFound) {
			ferr = nil
		}
	}
	if err := s.db.Close(); err != nil {
		return fmt.Errorf("store: close: %w", err)
	}
	if ferr != nil || rec == nil {
		return ferr
	}
	r, err := decodeRecord(rec)
	if err != nil {
		return err
	}
	s.markMu.Lock()
	defer s.markMu.Unlock()
	return writeMark(s.dir, flushMark{Height: r.Height, Tip: tip})
}

// badgerLogger forwards Badger's warnings and errors to slog; its chatter
// (compactions, value log replays) goes to debug.
type badgerLogger struct{ log *slog.Logger }

func (l badgerLogger) logf(level slog.Level, format string, args []any) {
	// Badger logs at debug level on every write: format only what is kept.
	if l.log != nil && l.log.Enabled(context.Background(), level) {
		l.log.Log(context.Background(), level, "badger", "detail", fmt.Sprintf(format, args...))
	}
}

func (l badgerLogger) Errorf(f string, a ...any)   { l.logf(slog.LevelError, f, a) }
func (l badgerLogger) Warningf(f string, a ...any) { l.logf(slog.LevelWarn, f, a) }
func (l badgerLogger) Infof(f string, a ...any)    { l.logf(slog.LevelDebug, f, a) }
func (l badgerLogger) Debugf(f string, a ...any)   { l.logf(slog.LevelDebug, f, a) }
