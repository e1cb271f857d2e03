package badgerstore

import (
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/dgraph-io/badger/v4"

	"github.com/devchain/devchain/consensus/store"
)

// The journal makes an update atomic when it is too big for one Badger
// transaction (a block of tens of thousands of outputs, or a reorg marking
// many records): small memtables keep every ordinary write fast and the
// node's memory low, and the rare big update goes through here.
//
//  1. The update's writes are encoded and stored as journal chunks
//     (j + index), in as many transactions as they need. A crash here
//     leaves chunks without a marker: the update never happened, and
//     Open deletes them.
//  2. One transaction writes the marker (m j -> chunk count). This is the
//     commit point: from here on the update has happened.
//  3. The writes are applied, in as many transactions as they need. A crash
//     here leaves the marker, and Open replays the whole journal
//     (setting and deleting keys to given values is idempotent) before
//     anything reads the store.
//  4. The marker is deleted, then the chunks.
//
// The store has one writer (the engine, which the node serialises) and
// readers never run during a write, so nobody sees a half-applied update.

var keyJournal = []byte{prefixMeta, 'j'}

const (
	prefixJournal = 'j' // j + chunk index (big-endian uint32) -> part of an encoded update
	// journalChunkBytes keeps chunks below the value threshold, so they
	// stay in the LSM tree and are reclaimed by compaction once deleted.
	journalChunkBytes = valueThreshold - 1024
)

func journalChunkKey(i uint32) []byte {
	return binary.BigEndian.AppendUint32([]byte{prefixJournal}, i)
}

// journalHook, when set by a test, is called after each step of a
// journaled write; an error stops the write there, as a crash would.
var journalHook func(step int) error

func journalStep(step int) error {
	if journalHook != nil {
		return journalHook(step)
	}
	return nil
}

// writeJournaled applies ops atomically through the journal.
func (s *Store) writeJournaled(ops []op) error {
	blob := encodeOps(ops)
	var chunks []op
	for i := 0; len(blob) > 0; i++ {
		n := min(len(blob), journalChunkBytes)
		chunks = append(chunks, op{key: journalChunkKey(uint32(i)), value: blob[:n]})
		blob = blob[n:]
	}
	if err := s.writeSplit(chunks); err != nil {
		return err
	}
	if err := journalStep(1); err != nil {
		return err
	}
	marker := binary.BigEndian.AppendUint32(nil, uint32(len(chunks)))
	if err := s.writeSplit([]op{{key: keyJournal, value: marker}}); err != nil {
		return err
	}
	if err := journalStep(2); err != nil {
		return err
	}
	if s.log != nil {
		s.log.Debug("store_journaled_write", "writes", len(ops), "chunks", len(chunks))
	}
	if err := s.writeSplit(ops); err != nil {
		return err
	}
	if err := journalStep(3); err != nil {
		return err
	}
	return s.clearJournal(uint32(len(chunks)))
}

// clearJournal deletes the marker, then the chunks.
func (s *Store) clearJournal(chunks uint32) error {
	ops := []op{{key: keyJournal, del: true}}
	for i := range chunks {
		ops = append(ops, op{key: journalChunkKey(i), del: true})
	}
	return s.writeSplit(ops)
}

// writeSplit applies ops in order in as many transactions as they need:
// not atomic, so only for the journal's steps.
func (s *Store) writeSplit(ops []op) error {
	txn := s.db.NewTransaction(true)
	defer func() { txn.Discard() }()
	for i := 0; i < len(ops); i++ {
		err := ops[i].apply(txn)
		if errors.Is(err, badger.ErrTxnTooBig) {
			if err := txn.Commit(); err != nil {
				return fmt.Errorf("store: write: %w", err)
			}
			txn = s.db.NewTransaction(true)
			err = ops[i].apply(txn)
		}
		if err != nil {
			return fmt.Errorf("store: write: %w", err)
		}
	}
	if err := txn.Commit(); err != nil {
		return fmt.Errorf("store: write: %w", err)
	}
	return nil
}

// recoverJournal finishes a journaled write that a crash interrupted after
// its commit point, or drops one interrupted before it.
func (s *Store) recoverJournal() error {
	v, err := s.get(keyJournal)
	if errors.Is(err, store.ErrNotFound) {
		return s.dropJournalChunks()
	}
	if err != nil {
		return err
	}
	if len(v) != 4 {
		return fmt.Errorf("store: %w: journal marker of %d bytes", store.ErrCorrupt, len(v))
	}
	count := binary.BigEndian.Uint32(v)
	var blob []byte
	for i := range count {
		chunk, err := s.get(journalChunkKey(i))
		if err != nil {
			return fmt.Errorf("store: %w: journal chunk %d of %d: %v", store.ErrCorrupt, i, count, err)
		}
		blob = append(blob, chunk...)
	}
	ops, err := decodeOps(blob)
	if err != nil {
		return err
	}
	if s.log != nil {
		s.log.Info("store_journal_replayed", "writes", len(ops))
	}
	if err := s.writeSplit(ops); err != nil {
		return err
	}
	return s.clearJournal(count)
}

// dropJournalChunks deletes chunks left by a journaled write that never
// reached its commit point.
func (s *Store) dropJournalChunks() error {
	var ops []op
	err := s.reader().scan([]byte{prefixJournal}, func(key, _ []byte) error {
		ops = append(ops, op{key: append([]byte(nil), key...), del: true})
		return nil
	})
	if err != nil || len(ops) == 0 {
		return err
	}
	return s.writeSplit(ops)
}

// encodeOps serialises writes: per write a flag byte (0 set, 1 delete), the
// key and, for a set, the value, each with a uvarint length.
func encodeOps(ops []op) []byte {
	size := 0
	for i := range ops {
		size += 1 + 2*binary.MaxVarintLen32 + len(ops[i].key) + len(ops[i].value)
	}
	b := make([]byte, 0, size)
	for i := range ops {
		o := &ops[i]
		if o.del {
			b = append(b, 1)
		} else {
			b = append(b, 0)
		}
		b = binary.AppendUvarint(b, uint64(len(o.key)))
		b = append(b, o.key...)
		if !o.del {
			b = binary.AppendUvarint(b, uint64(len(o.value)))
			b = append(b, o.value...)
		}
	}
	return b
}

func decodeOps(b []byte) ([]op, error) {
	var ops []op
	bad := func(what string) ([]op, error) {
		return nil, fmt.Errorf("store: %w: journal: %s at write %d", store.ErrCorrupt, what, len(ops))
	}
	field := func() ([]byte, bool) {
		n, k := binary.Uvarint(b)
		if k <= 0 || n > uint64(len(b)-k) {
			return nil, false
		}
		v := b[k : k+int(n)]
		b = b[k+int(n):]
		return v, true
	}
	for len(b) > 0 {
		flag := b[0]
		b = b[1:]
		if flag > 1 {
			return bad("bad flag")
		}
		key, ok := field()
		if !ok || len(key) == 0 {
			return bad("bad key")
		}
		o := op{key: key, del: flag == 1}
		if !o.del {
			if o.value, ok = field(); !ok {
				return bad("bad value")
			}
		}
		ops = append(ops, o)
	}
	return ops, nil
}
