package badgerstore_test

import (
	"errors"
	"fmt"
	"reflect"
	"slices"
	"testing"

	"github.com/devchain/devchain/chain"
	"github.com/devchain/devchain/consensus/store"
	"github.com/devchain/devchain/consensus/store/badgerstore"
)

// storeKind opens a fresh store of one implementation. reopen closes the
// store and opens the same one again, as a node restarting on its datadir.
type storeKind struct {
	name string
	open func(t *testing.T) (s store.Store, reopen func(store.Store) store.Store)
}

var storeKinds = []storeKind{
	{"memory", openMemory},
	{"badger", openBadger},
}

func openMemory(t *testing.T) (store.Store, func(store.Store) store.Store) {
	m := store.NewMemory()
	return m, func(store.Store) store.Store { return m }
}

func openBadger(t *testing.T) (store.Store, func(store.Store) store.Store) {
	dir := t.TempDir()
	var open store.Store // closed by the cleanup if still open
	t.Cleanup(func() {
		if open != nil {
			open.Close()
		}
	})
	openDir := func() store.Store {
		t.Helper()
		s, err := badgerstore.Open(dir, badgerstore.Options{})
		if err != nil {
			t.Fatal(err)
		}
		open = s
		return s
	}
	reopen := func(old store.Store) store.Store {
		t.Helper()
		open = nil
		if err := old.Close(); err != nil {
			t.Fatal(err)
		}
		return openDir()
	}
	return openDir(), reopen
}

// forEachKind runs fn as a subtest on every store implementation.
func forEachKind(t *testing.T, fn func(t *testing.T, s store.Store, reopen func(store.Store) store.Store)) {
	for _, k := range storeKinds {
		t.Run(k.name, func(t *testing.T) {
			s, reopen := k.open(t)
			fn(t, s, reopen)
		})
	}
}

// Participants and a small chain: genesis allocates to alice and bob; b1
// pays its coinbase to carol and spends alice's allocation to bob and back
// to alice (t1); b2 pays its coinbase to carol, spends both outputs of t1
// (t2) and passes t2's output on to carol in the same block (t3), so that
// output is neither created nor spent as far as the store sees.
var (
	alice = chain.Address{0xa1}
	bob   = chain.Address{0xb0}
	carol = chain.Address{0xca}
)

func hashOf(s string) chain.Hash { return chain.DoubleSHA256([]byte(s)) }

func output(txid string, index uint32, amount int64, addr chain.Address, height uint32, coinbase bool) store.Output {
	return store.Output{
		OutPoint: chain.OutPoint{TxID: hashOf(txid), Index: index},
		UTXO:     store.UTXO{Amount: amount, Address: addr, Height: height, Coinbase: coinbase},
	}
}

func header(nonce uint32, prev chain.Hash) chain.BlockHeader {
	return chain.BlockHeader{Version: 1, PrevBlock: prev, Bits: 0x207fffff, Timestamp: 1_767_225_600 + nonce, Nonce: nonce}
}

// block is one test block with the update connecting it and its mirror.
type block struct {
	rec        store.BlockRecord
	data       []byte
	created    []store.Output
	spent      []store.Output
	history    []store.HistoryEntry
	txs        []store.TxLocation
	isGenesis  bool
	parentHash chain.Hash
}

func (b *block) hash() chain.Hash { return b.rec.Header.Hash() }

func (b *block) connect() *store.Update {
	u := &store.Update{
		Tip:        b.hash(),
		Records:    []store.BlockRecord{b.rec},
		Remove:     b.spent,
		Add:        b.created,
		PutUndo:    &store.Undo{Block: b.hash(), Spent: b.spent},
		AddHistory: b.history,
		AddTxs:     b.txs,
	}
	if b.isGenesis {
		h := b.hash()
		u.Genesis = &h
	}
	return u
}

func (b *block) disconnect() *store.Update {
	h := b.hash()
	return &store.Update{
		Tip:           b.parentHash,
		Remove:        b.created,
		Add:           b.spent,
		DeleteUndo:    &h,
		DeleteHistory: b.history,
		DeleteTxs:     b.txs,
	}
}

// testChain returns genesis, b1 and b2.
func testChain() []*block {
	g := &block{
		rec:       store.BlockRecord{Header: header(0, chain.ZeroHash), Status: store.StatusHaveData | store.StatusValid},
		data:      []byte("genesis block"),
		isGenesis: true,
		created: []store.Output{
			output("g.cb", 0, 100, alice, 0, false),
			output("g.cb", 1, 100, bob, 0, false),
		},
		history: []store.HistoryEntry{
			{Address: alice, Height: 0, TxIndex: 0, TxID: hashOf("g.cb")},
			{Address: bob, Height: 0, TxIndex: 0, TxID: hashOf("g.cb")},
		},
		txs: txLocations(0, "g.cb"),
	}
	b1 := &block{
		rec:        store.BlockRecord{Header: header(1, g.hash()), Height: 1, Status: store.StatusHaveData | store.StatusValid},
		data:       []byte("block one"),
		parentHash: g.hash(),
		spent:      []store.Output{output("g.cb", 0, 100, alice, 0, false)},
		created: []store.Output{
			output("b1.cb", 0, 50, carol, 1, true),
			output("t1", 0, 30, bob, 1, false),
			output("t1", 1, 70, alice, 1, false),
		},
		history: []store.HistoryEntry{
			{Address: carol, Height: 1, TxIndex: 0, TxID: hashOf("b1.cb")},
			{Address: alice, Height: 1, TxIndex: 1, TxID: hashOf("t1")},
			{Address: bob, Height: 1, TxIndex: 1, TxID: hashOf("t1")},
		},
		txs: txLocations(1, "b1.cb", "t1"),
	}
	b2 := &block{
		rec:        store.BlockRecord{Header: header(2, b1.hash()), Height: 2, Status: store.StatusHaveData | store.StatusValid},
		data:       []byte("block two"),
		parentHash: b1.hash(),
		spent: []store.Output{
			output("t1", 0, 30, bob, 1, false),
			output("t1", 1, 70, alice, 1, false),
		},
		created: []store.Output{
			output("b2.cb", 0, 50, carol, 2, true),
			output("t3", 0, 100, carol, 2, false),
		},
		history: []store.HistoryEntry{
			{Address: carol, Height: 2, TxIndex: 0, TxID: hashOf("b2.cb")},
			{Address: alice, Height: 2, TxIndex: 1, TxID: hashOf("t2")},
			{Address: bob, Height: 2, TxIndex: 1, TxID: hashOf("t2")},
			{Address: carol, Height: 2, TxIndex: 2, TxID: hashOf("t3")},
		},
		txs: txLocations(2, "b2.cb", "t2", "t3"),
	}
	return []*block{g, b1, b2}
}

// txLocations places the named transactions in order in the block at height.
func txLocations(height uint32, txids ...string) []store.TxLocation {
	locs := make([]store.TxLocation, len(txids))
	for i, id := range txids {
		locs[i] = store.TxLocation{TxID: hashOf(id), Height: height, TxIndex: uint32(i)}
	}
	return locs
}

// state is everything a store answers, read through its interface.
type state struct {
	Genesis     chain.Hash
	HasGenesis  bool
	Tip         chain.Hash
	Records     []store.BlockRecord
	Blocks      map[chain.Hash]string
	Undo        map[chain.Hash][]store.Output // absent: ErrNotFound
	UTXOs       []store.Output
	Lookups     map[chain.OutPoint]store.UTXO // UTXO() of every outpoint the chain ever had
	TxIndex     map[chain.Hash]store.TxLocation
	ByAddress   map[chain.Address][]store.Output
	History     []store.HistoryEntry
	HistoryByAd map[chain.Address][]store.HistoryEntry
}

func readState(t *testing.T, s store.Store, blocks []*block) state {
	t.Helper()
	st := state{
		Blocks:      map[chain.Hash]string{},
		Undo:        map[chain.Hash][]store.Output{},
		Lookups:     map[chain.OutPoint]store.UTXO{},
		TxIndex:     map[chain.Hash]store.TxLocation{},
		ByAddress:   map[chain.Address][]store.Output{},
		HistoryByAd: map[chain.Address][]store.HistoryEntry{},
	}
	var err error
	st.Genesis, st.HasGenesis, err = s.Genesis()
	check(t, err)
	st.Tip, err = s.Tip()
	check(t, err)
	check(t, s.ForEachRecord(func(r store.BlockRecord) error { st.Records = append(st.Records, r); return nil }))
	slices.SortFunc(st.Records, func(a, b store.BlockRecord) int { return int(a.Height) - int(b.Height) })
	for _, b := range blocks {
		st.readBlock(t, s, b)
	}
	check(t, s.ForEachUTXO(func(o store.Output) error { st.UTXOs = append(st.UTXOs, o); return nil }))
	check(t, s.ForEachHistory(func(e store.HistoryEntry) error { st.History = append(st.History, e); return nil }))
	for _, addr := range []chain.Address{alice, bob, carol} {
		st.ByAddress[addr], err = s.AddressUTXOs(addr)
		check(t, err)
		st.HistoryByAd[addr], err = s.AddressHistory(addr)
		check(t, err)
	}
	return st
}

func (st *state) readBlock(t *testing.T, s store.Store, b *block) {
	t.Helper()
	h := b.hash()
	if data, err := s.Block(h); err == nil {
		st.Blocks[h] = string(data)
	} else if !errors.Is(err, store.ErrNotFound) {
		t.Fatal(err)
	}
	if u, err := s.Undo(h); err == nil {
		st.Undo[h] = slices.Clip(append([]store.Output{}, u.Spent...))
	} else if !errors.Is(err, store.ErrNotFound) {
		t.Fatal(err)
	}
	for _, l := range b.txs {
		if loc, ok, err := s.TxLocation(l.TxID); err != nil {
			t.Fatal(err)
		} else if ok {
			st.TxIndex[l.TxID] = loc
		}
	}
	for _, o := range slices.Concat(b.created, b.spent) {
		if u, ok, err := s.UTXO(o.OutPoint); err != nil {
			t.Fatal(err)
		} else if ok {
			st.Lookups[o.OutPoint] = u
		}
	}
}

func check(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func apply(t *testing.T, s store.Store, u *store.Update) {
	t.Helper()
	check(t, s.Apply(u))
}

func putBlock(t *testing.T, s store.Store, b *block) {
	t.Helper()
	check(t, s.PutBlock(b.rec, b.data))
}

func assertState(t *testing.T, what string, got, want state) {
	t.Helper()
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("%s:\n got %+v\nwant %+v", what, got, want)
	}
}

// TestConnectDisconnect applies each block's connect, then the disconnects
// in reverse: each disconnect must restore exactly the state before its
// connect (UTXO set, address index, history, undo, tip); connecting again
// gives the same state as the first time.
func TestConnectDisconnect(t *testing.T) {
	forEachKind(t, func(t *testing.T, s store.Store, _ func(store.Store) store.Store) {
		blocks := testChain()
		empty := readState(t, s, blocks)
		for _, b := range blocks {
			putBlock(t, s, b)
		}
		var states []state
		for _, b := range blocks {
			apply(t, s, b.connect())
			states = append(states, readState(t, s, blocks))
		}
		for i := len(blocks) - 1; i > 0; i-- {
			apply(t, s, blocks[i].disconnect())
			assertState(t, fmt.Sprintf("after disconnecting block %d", i), readState(t, s, blocks), states[i-1])
		}
		for _, b := range blocks[1:] {
			apply(t, s, b.connect())
		}
		assertState(t, "after connecting again", readState(t, s, blocks), states[len(states)-1])
		if empty.HasGenesis || empty.Tip != (chain.Hash{}) || len(empty.UTXOs) != 0 {
			t.Fatalf("empty store: %+v", empty)
		}
	})
}

// TestConnectedContent checks what the store holds after genesis, b1, b2.
func TestConnectedContent(t *testing.T) {
	forEachKind(t, func(t *testing.T, s store.Store, _ func(store.Store) store.Store) {
		blocks := testChain()
		for _, b := range blocks {
			putBlock(t, s, b)
			apply(t, s, b.connect())
		}
		st := readState(t, s, blocks)
		g, b1, b2 := blocks[0], blocks[1], blocks[2]
		if !st.HasGenesis || st.Genesis != g.hash() || st.Tip != b2.hash() {
			t.Fatalf("genesis %s (%v), tip %s; want %s, %s", st.Genesis, st.HasGenesis, st.Tip, g.hash(), b2.hash())
		}
		wantUTXOs := sortedOutputs(g.created[1], b1.created[0], b2.created[0], b2.created[1])
		if !reflect.DeepEqual(st.UTXOs, wantUTXOs) {
			t.Fatalf("UTXO set %+v, want %+v", st.UTXOs, wantUTXOs)
		}
		wantCarol := sortedOutputs(b1.created[0], b2.created[0], b2.created[1])
		if !reflect.DeepEqual(st.ByAddress[carol], wantCarol) || len(st.ByAddress[alice]) != 0 {
			t.Fatalf("address index: carol %+v, alice %+v", st.ByAddress[carol], st.ByAddress[alice])
		}
		wantAliceHistory := []store.HistoryEntry{g.history[0], b1.history[1], b2.history[1]}
		if !reflect.DeepEqual(st.HistoryByAd[alice], wantAliceHistory) {
			t.Fatalf("alice's history %+v, want %+v", st.HistoryByAd[alice], wantAliceHistory)
		}
		if !reflect.DeepEqual(st.Undo[b2.hash()], b2.spent) || len(st.Undo[g.hash()]) != 0 {
			t.Fatalf("undo of b2 %+v, want %+v", st.Undo[b2.hash()], b2.spent)
		}
		if _, ok, _ := s.UTXO(g.created[0].OutPoint); ok {
			t.Fatal("a spent output is still found")
		}
		if got, want := st.TxIndex[hashOf("t3")], b2.txs[2]; got != want || len(st.TxIndex) != 6 {
			t.Fatalf("transaction index: t3 at %+v, want %+v; %d entries, want 6", got, want, len(st.TxIndex))
		}
	})
}

// TestHistoryOrder checks that history comes back oldest first per address
// and in (address, height, position) order overall, whatever the order of
// insertion.
func TestHistoryOrder(t *testing.T) {
	forEachKind(t, func(t *testing.T, s store.Store, _ func(store.Store) store.Store) {
		entries := []store.HistoryEntry{
			{Address: bob, Height: 300, TxIndex: 2, TxID: hashOf("e1")},
			{Address: alice, Height: 256, TxIndex: 0, TxID: hashOf("e2")},
			{Address: bob, Height: 7, TxIndex: 1, TxID: hashOf("e3")},
			{Address: bob, Height: 300, TxIndex: 1, TxID: hashOf("e4")},
			{Address: alice, Height: 1, TxIndex: 256, TxID: hashOf("e5")},
		}
		apply(t, s, &store.Update{AddHistory: entries})
		got, err := s.AddressHistory(bob)
		check(t, err)
		want := []store.HistoryEntry{entries[2], entries[3], entries[0]}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("bob's history %+v, want %+v", got, want)
		}
		var all []store.HistoryEntry
		check(t, s.ForEachHistory(func(e store.HistoryEntry) error { all = append(all, e); return nil }))
		wantAll := []store.HistoryEntry{entries[4], entries[1], entries[2], entries[3], entries[0]}
		if !reflect.DeepEqual(all, wantAll) {
			t.Fatalf("all history %+v, want %+v", all, wantAll)
		}
	})
}

// TestRecords checks PutBlock, PutRecords (a status change replaces the
// record) and ForEachRecord, and ErrNotFound for unknown blocks.
func TestRecords(t *testing.T) {
	forEachKind(t, func(t *testing.T, s store.Store, _ func(store.Store) store.Store) {
		blocks := testChain()
		headerOnly := store.BlockRecord{Header: header(9, blocks[2].hash()), Height: 3}
		putBlock(t, s, blocks[0])
		putBlock(t, s, blocks[1])
		failed := blocks[1].rec
		failed.Status |= store.StatusFailed
		check(t, s.PutRecords([]store.BlockRecord{failed, headerOnly}))
		st := readState(t, s, blocks)
		want := []store.BlockRecord{blocks[0].rec, failed, headerOnly}
		if !reflect.DeepEqual(st.Records, want) {
			t.Fatalf("records %+v, want %+v", st.Records, want)
		}
		if st.Blocks[blocks[1].hash()] != string(blocks[1].data) {
			t.Fatalf("block data %q, want %q", st.Blocks[blocks[1].hash()], blocks[1].data)
		}
		if _, err := s.Block(headerOnly.Header.Hash()); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("Block of a header-only record: %v, want ErrNotFound", err)
		}
		if _, err := s.Undo(blocks[1].hash()); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("Undo of an unconnected block: %v, want ErrNotFound", err)
		}
		stop := errors.New("stop")
		if err := s.ForEachRecord(func(store.BlockRecord) error { return stop }); !errors.Is(err, stop) {
			t.Fatalf("ForEachRecord does not pass on its callback's error: %v", err)
		}
	})
}

// TestGenesisAndTip checks that the genesis hash is set once, by the update
// that carries it, and that every update moves the tip.
func TestGenesisAndTip(t *testing.T) {
	forEachKind(t, func(t *testing.T, s store.Store, _ func(store.Store) store.Store) {
		if _, ok, err := s.Genesis(); ok || err != nil {
			t.Fatalf("empty store: Genesis() = %v, %v", ok, err)
		}
		blocks := testChain()
		apply(t, s, blocks[0].connect())
		apply(t, s, blocks[1].connect())
		g, ok, err := s.Genesis()
		if !ok || err != nil || g != blocks[0].hash() {
			t.Fatalf("Genesis() = %s, %v, %v; want %s", g, ok, err, blocks[0].hash())
		}
		if tip, err := s.Tip(); err != nil || tip != blocks[1].hash() {
			t.Fatalf("Tip() = %s, %v; want %s", tip, err, blocks[1].hash())
		}
		apply(t, s, blocks[1].disconnect())
		if tip, _ := s.Tip(); tip != blocks[0].hash() {
			t.Fatalf("Tip() after disconnect = %s, want %s", tip, blocks[0].hash())
		}
	})
}

// TestReopen closes and reopens the store at each step: everything written
// is read back the same (for Badger, from disk).
func TestReopen(t *testing.T) {
	forEachKind(t, func(t *testing.T, s store.Store, reopen func(store.Store) store.Store) {
		blocks := testChain()
		for _, b := range blocks {
			putBlock(t, s, b)
			apply(t, s, b.connect())
			before := readState(t, s, blocks)
			s = reopen(s)
			assertState(t, "after reopening", readState(t, s, blocks), before)
		}
		apply(t, s, blocks[2].disconnect())
		before := readState(t, s, blocks)
		s = reopen(s)
		assertState(t, "after a disconnect and reopening", readState(t, s, blocks), before)
	})
}

func sortedOutputs(outs ...store.Output) []store.Output {
	slices.SortFunc(outs, func(a, b store.Output) int {
		if c := slices.Compare(a.OutPoint.TxID[:], b.OutPoint.TxID[:]); c != 0 {
			return c
		}
		return int(a.OutPoint.Index) - int(b.OutPoint.Index)
	})
	return outs
}
