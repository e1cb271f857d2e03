package badgerstore

import (
	"errors"
	"fmt"
	"reflect"
	"testing"

	"github.com/dgraph-io/badger/v4"

	"github.com/devchain/devchain/chain"
	"github.com/devchain/devchain/consensus/store"
)

// smallMemTable makes Badger refuse transactions of more than ~1,600
// writes, so that the updates below go through the journal.
const smallMemTable = 1 << 20

// bigUpdate connects a block creating n outputs to n addresses, on top of
// the state of base, with its block bytes.
func bigUpdate(n int) *store.Update {
	hdr := chain.BlockHeader{Version: 1, Bits: 0x207fffff, Timestamp: 1_767_225_600, Nonce: uint32(n)}
	hash := hdr.Hash()
	u := &store.Update{
		Tip:     hash,
		Records: []store.BlockRecord{{Header: hdr, Height: 1, Status: store.StatusHaveData | store.StatusValid}},
		Block:   make([]byte, 200_000),
		PutUndo: &store.Undo{Block: hash},
	}
	txid := chain.DoubleSHA256([]byte(fmt.Sprint("tx", n)))
	for i := range n {
		addr := chain.Address{byte(i), byte(i >> 8), 0xaa}
		u.Add = append(u.Add, store.Output{OutPoint: chain.OutPoint{TxID: txid, Index: uint32(i)}, UTXO: store.UTXO{Amount: int64(i + 1), Address: addr, Height: 1}})
		u.AddHistory = append(u.AddHistory, store.HistoryEntry{Address: addr, Height: 1, TxIndex: 0, TxID: txid})
	}
	u.AddTxs = []store.TxLocation{{TxID: txid, Height: 1}}
	return u
}

// snapshot is everything a store holds that an update changes.
type snapshot struct {
	tip     chain.Hash
	utxos   []store.Output
	history []store.HistoryEntry
	records map[chain.Hash]store.BlockRecord
	blocks  map[chain.Hash]int
}

func snapshotOf(t *testing.T, s store.Store) snapshot {
	t.Helper()
	var snap snapshot
	var err error
	if snap.tip, err = s.Tip(); err != nil {
		t.Fatal(err)
	}
	if err := s.ForEachUTXO(func(o store.Output) error { snap.utxos = append(snap.utxos, o); return nil }); err != nil {
		t.Fatal(err)
	}
	if err := s.ForEachHistory(func(e store.HistoryEntry) error { snap.history = append(snap.history, e); return nil }); err != nil {
		t.Fatal(err)
	}
	snap.records = map[chain.Hash]store.BlockRecord{}
	snap.blocks = map[chain.Hash]int{}
	if err := s.ForEachRecord(func(r store.BlockRecord) error {
		h := r.Header.Hash()
		snap.records[h] = r
		if b, err := s.Block(h); err == nil {
			snap.blocks[h] = len(b)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return snap
}

func openSmall(t *testing.T, dir string) *Store {
	t.Helper()
	s, err := Open(dir, Options{MemTableSize: smallMemTable})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestJournaledUpdate: an update too big for one Badger transaction is
// applied whole, and gives the same state as the memory store.
func TestJournaledUpdate(t *testing.T) {
	u := bigUpdate(5000)
	s := openSmall(t, t.TempDir())
	defer s.Close()
	ops := updateOps(u)
	err := s.db.Update(func(txn *badger.Txn) error {
		for i := range ops {
			if err := ops[i].apply(txn); err != nil {
				return err
			}
		}
		return nil
	})
	if !errors.Is(err, badger.ErrTxnTooBig) {
		t.Fatalf("the test update fits one transaction (%v): make it bigger", err)
	}
	if err := s.Apply(u); err != nil {
		t.Fatal(err)
	}
	m := store.NewMemory()
	if err := m.Apply(u); err != nil {
		t.Fatal(err)
	}
	if got, want := snapshotOf(t, s), snapshotOf(t, m); !reflect.DeepEqual(got, want) {
		t.Fatalf("badger and memory differ after a journaled update: %d vs %d utxos", len(got.utxos), len(want.utxos))
	}
	if _, err := s.get(keyJournal); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("journal marker left behind: %v", err)
	}
}

// TestJournalCrash: a journaled write stopped after each step (as by a
// kill) reopens either without the update (before the commit point) or
// with all of it, and leaves no journal behind.
func TestJournalCrash(t *testing.T) {
	u := bigUpdate(4000)
	empty := snapshotOf(t, store.NewMemory())
	m := store.NewMemory()
	if err := m.Apply(u); err != nil {
		t.Fatal(err)
	}
	full := snapshotOf(t, m)
	crash := errors.New("crash")
	for step, want := range map[int]snapshot{1: empty, 2: full, 3: full} {
		t.Run(fmt.Sprint("step", step), func(t *testing.T) {
			dir := t.TempDir()
			s := openSmall(t, dir)
			journalHook = func(at int) error {
				if at == step {
					return crash
				}
				return nil
			}
			err := s.Apply(u)
			journalHook = nil
			if !errors.Is(err, crash) {
				t.Fatalf("apply: %v, want the crash", err)
			}
			if err := s.Close(); err != nil {
				t.Fatal(err)
			}
			s = openSmall(t, dir)
			defer s.Close()
			if got := snapshotOf(t, s); !reflect.DeepEqual(got, want) {
				t.Fatalf("after a crash at step %d: tip %s with %d utxos, want tip %s with %d", step, got.tip, len(got.utxos), want.tip, len(want.utxos))
			}
			left := 0
			if err := s.reader().scan([]byte{prefixJournal}, func([]byte, []byte) error { left++; return nil }); err != nil {
				t.Fatal(err)
			}
			if _, err := s.get(keyJournal); !errors.Is(err, store.ErrNotFound) || left > 0 {
				t.Fatalf("journal left behind: marker %v, %d chunks", err, left)
			}
		})
	}
}

func TestEncodeOpsRoundTrip(t *testing.T) {
	ops := updateOps(bigUpdate(10))
	ops = append(ops, op{key: []byte("x"), del: true})
	got, err := decodeOps(encodeOps(ops))
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(ops) {
		t.Fatalf("%d writes, want %d", len(got), len(ops))
	}
	for i := range ops {
		if string(got[i].key) != string(ops[i].key) || string(got[i].value) != string(ops[i].value) || got[i].del != ops[i].del {
			t.Fatalf("write %d differs", i)
		}
	}
	if _, err := decodeOps([]byte{0, 5, 'a'}); !errors.Is(err, store.ErrCorrupt) {
		t.Fatalf("truncated journal: %v", err)
	}
}

// TestUTXOCache: the Badger store's UTXO cache answers as Badger does
// through spends, restores and a read racing an update.
func TestUTXOCache(t *testing.T) {
	s := openSmall(t, t.TempDir())
	defer s.Close()
	op := chain.OutPoint{TxID: chain.DoubleSHA256([]byte("cached")), Index: 3}
	out := store.Output{OutPoint: op, UTXO: store.UTXO{Amount: 7, Address: chain.Address{9}, Height: 1}}
	hdr := chain.BlockHeader{Version: 1, Bits: 0x207fffff, Nonce: 1}
	connect := &store.Update{Tip: hdr.Hash(), Add: []store.Output{out}}
	spend := &store.Update{Tip: hdr.Hash(), Remove: []store.Output{out}}
	check := func(want bool) {
		t.Helper()
		for range 2 { // a miss, then (maybe) a hit
			if _, ok, err := s.UTXO(op); err != nil || ok != want {
				t.Fatalf("UTXO = %v, %v; want %v", ok, err, want)
			}
		}
	}
	check(false)
	if err := s.Apply(connect); err != nil {
		t.Fatal(err)
	}
	check(true)
	if err := s.Apply(spend); err != nil {
		t.Fatal(err)
	}
	check(false)
	if err := s.Apply(connect); err != nil {
		t.Fatal(err)
	}
	s.utxos.reset()
	check(true)
	// A read that began before an update may not fill the cache afterwards.
	s.utxos.reset()
	_, _, gen := s.utxos.get(op)
	s.utxos.begin()
	s.utxos.fill(op, out.UTXO, gen)
	if _, ok, _ := s.utxos.get(op); ok {
		t.Fatal("a read from before an update filled the cache")
	}
	if err := s.Apply(spend); err != nil {
		t.Fatal(err)
	}
	check(false)
}
