package badgerstore_test

import (
	"bytes"
	"encoding/binary"
	"errors"
	"testing"

	"github.com/dgraph-io/badger/v4"

	"github.com/devchain/devchain/chain"
	"github.com/devchain/devchain/consensus/store"
	"github.com/devchain/devchain/consensus/store/badgerstore"
)

// rawWrite opens the Badger directory directly (the store must be closed)
// and sets, or with a nil value deletes, one key.
func rawWrite(t *testing.T, dir string, key, value []byte) {
	t.Helper()
	db, err := badger.Open(badger.DefaultOptions(dir).WithLogger(nil))
	if err != nil {
		t.Fatal(err)
	}
	err = db.Update(func(txn *badger.Txn) error {
		if value == nil {
			return txn.Delete(key)
		}
		return txn.Set(key, value)
	})
	if cerr := db.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		t.Fatal(err)
	}
}

// badgerWithChain writes the test chain to a Badger directory and closes it.
func badgerWithChain(t *testing.T) (dir string, blocks []*block) {
	t.Helper()
	dir = t.TempDir()
	s, err := badgerstore.Open(dir, badgerstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	blocks = testChain()
	for _, b := range blocks {
		putBlock(t, s, b)
		apply(t, s, b.connect())
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	return dir, blocks
}

// corruption is a damaged value (or key) and the read that must report it.
type corruption struct {
	name  string
	key   []byte
	value []byte
	read  func(s store.Store) error
}

func corruptions(blocks []*block) []corruption {
	b1, b2 := blocks[1], blocks[2]
	out := b2.created[1] // carol's t3:0
	utxo := badgerstore.EncodeUTXO(out.UTXO)
	badFlag := bytes.Clone(utxo)
	badFlag[len(badFlag)-1] = 2
	undo := badgerstore.EncodeUndo(&store.Undo{Block: b2.hash(), Spent: b2.spent})
	undoBadFlag := bytes.Clone(undo)
	undoBadFlag[len(undoBadFlag)-1] = 9
	undoCountHigh := binary.LittleEndian.AppendUint32(nil, 5)
	undoCountHigh = append(undoCountHigh, undo[4:]...)
	hist := b2.history[3] // carol, t3
	forEachUTXO := func(s store.Store) error { return s.ForEachUTXO(func(store.Output) error { return nil }) }
	carolUTXOs := func(s store.Store) error { _, err := s.AddressUTXOs(carol); return err }
	getUTXO := func(s store.Store) error { _, _, err := s.UTXO(out.OutPoint); return err }
	records := func(s store.Store) error { return s.ForEachRecord(func(store.BlockRecord) error { return nil }) }
	undoB2 := func(s store.Store) error { _, err := s.Undo(b2.hash()); return err }
	carolHistory := func(s store.Store) error { _, err := s.AddressHistory(carol); return err }
	allHistory := func(s store.Store) error { return s.ForEachHistory(func(store.HistoryEntry) error { return nil }) }
	return []corruption{
		{"utxo value truncated", badgerstore.UTXOKey(out.OutPoint), utxo[:10], getUTXO},
		{"utxo value truncated, scanned", badgerstore.UTXOKey(out.OutPoint), utxo[:10], forEachUTXO},
		{"utxo value one byte long", badgerstore.UTXOKey(out.OutPoint), append(bytes.Clone(utxo), 0), getUTXO},
		{"utxo value empty", badgerstore.UTXOKey(out.OutPoint), []byte{}, getUTXO},
		{"utxo coinbase flag out of range", badgerstore.UTXOKey(out.OutPoint), badFlag, getUTXO},
		{"utxo key truncated", badgerstore.UTXOKey(out.OutPoint)[:10], utxo, forEachUTXO},
		{"address index value garbage", badgerstore.AddressKey(carol, out.OutPoint), []byte("garbage"), carolUTXOs},
		{"address index key too long", append(badgerstore.AddressKey(carol, out.OutPoint), 0), utxo, carolUTXOs},
		{"block record truncated", badgerstore.RecordKey(b1.hash()), badgerstore.EncodeRecord(b1.rec)[:50], records},
		{"block record empty", badgerstore.RecordKey(b1.hash()), []byte{}, records},
		{"block record too long", badgerstore.RecordKey(b1.hash()), append(badgerstore.EncodeRecord(b1.rec), 0), records},
		{"undo record truncated", badgerstore.UndoKey(b2.hash()), undo[:20], undoB2},
		{"undo record shorter than its count", badgerstore.UndoKey(b2.hash()), undo[:3], undoB2},
		{"undo count above its entries", badgerstore.UndoKey(b2.hash()), undoCountHigh, undoB2},
		{"undo entry with a bad flag", badgerstore.UndoKey(b2.hash()), undoBadFlag, undoB2},
		{"tip truncated", badgerstore.KeyTip, []byte(b2.hash().String()[:5]), func(s store.Store) error { _, err := s.Tip(); return err }},
		{"genesis hash too long", badgerstore.KeyGenesis, make([]byte, 33), func(s store.Store) error { _, _, err := s.Genesis(); return err }},
		{"history value truncated", badgerstore.HistoryKey(hist), []byte{1, 2, 3}, carolHistory},
		{"history value truncated, scanned", badgerstore.HistoryKey(hist), []byte{1, 2, 3}, allHistory},
		{"history key too long", append(badgerstore.HistoryKey(hist), 0), hist.TxID[:], allHistory},
	}
}

// TestCorruptValues damages one stored value or key at a time, directly in
// Badger, and checks that reading it fails with an error wrapping
// ErrCorrupt, never a panic and never a wrong value. The tip and genesis,
// which Open reads, make Open itself fail so.
func TestCorruptValues(t *testing.T) {
	for _, c := range corruptions(testChain()) {
		t.Run(c.name, func(t *testing.T) {
			dir, _ := badgerWithChain(t)
			rawWrite(t, dir, c.key, c.value)
			s, err := badgerstore.Open(dir, badgerstore.Options{})
			if errors.Is(err, store.ErrCorrupt) && (bytes.Equal(c.key, badgerstore.KeyTip) || bytes.Equal(c.key, badgerstore.KeyGenesis)) {
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			if err := c.read(s); !errors.Is(err, store.ErrCorrupt) {
				t.Fatalf("got %v, want an error wrapping ErrCorrupt", err)
			}
		})
	}
}

// TestSchemaMismatch checks that a datadir written with another layout
// version is refused when opened.
func TestSchemaMismatch(t *testing.T) {
	for _, schema := range [][]byte{{99, 0, 0, 0}, {1}, {}} {
		dir, _ := badgerWithChain(t)
		rawWrite(t, dir, badgerstore.KeySchema, schema)
		s, err := badgerstore.Open(dir, badgerstore.Options{})
		if err == nil {
			s.Close()
			t.Fatalf("schema %x: datadir opened", schema)
		}
	}
}

// TestMissingTipIsZero checks that a store whose tip key is gone reports
// the zero hash (the engine then refuses it: no block has that hash).
func TestMissingTipIsZero(t *testing.T) {
	dir, _ := badgerWithChain(t)
	rawWrite(t, dir, badgerstore.KeyTip, nil)
	s, err := badgerstore.Open(dir, badgerstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if tip, err := s.Tip(); err != nil || tip != (chain.Hash{}) {
		t.Fatalf("Tip() of a store without one = %s, %v; want the zero hash", tip, err)
	}
}
