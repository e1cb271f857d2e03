package store

import (
	"bytes"
	"reflect"
	"testing"

	"github.com/devchain/devchain/chain"
)

// TestMemoryNoAddressIndexAnswersTheSame: a store without the address index
// answers AddressUTXOs as the default store does, after outputs come and go.
func TestMemoryNoAddressIndexAnswersTheSame(t *testing.T) {
	a, b := chain.Address{1}, chain.Address{2}
	out := func(n byte, addr chain.Address) Output {
		return Output{OutPoint: chain.OutPoint{TxID: chain.Hash{n}}, UTXO: UTXO{Amount: int64(n), Address: addr}}
	}
	updates := []*Update{
		{Add: []Output{out(1, a), out(2, b), out(3, a)}},
		{Remove: []Output{out(1, a)}, Add: []Output{out(4, b)}},
		{Remove: []Output{out(3, a)}},
	}
	def, lean := NewMemory(), NewMemoryWith(MemoryOptions{NoAddressIndex: true})
	for i, u := range updates {
		for _, s := range []*Memory{def, lean} {
			if err := s.Apply(u); err != nil {
				t.Fatal(err)
			}
		}
		for _, addr := range []chain.Address{a, b, {3}} {
			want, _ := def.AddressUTXOs(addr)
			got, _ := lean.AddressUTXOs(addr)
			if len(want) != len(got) || (len(want) > 0 && !reflect.DeepEqual(want, got)) {
				t.Fatalf("after update %d, address %x: got %v, want %v", i, addr[:1], got, want)
			}
		}
	}
	if len(lean.byAddress) != 0 {
		t.Fatalf("lean store kept an address index of %d addresses", len(lean.byAddress))
	}
}

// TestMemorySharedBlockBytes: stores sharing a table keep one copy of a
// block's bytes, hand out copies a caller may change, and never share bytes
// that differ from the held copy.
func TestMemorySharedBlockBytes(t *testing.T) {
	table := NewBlockBytes()
	s1 := NewMemoryWith(MemoryOptions{Blocks: table})
	s2 := NewMemoryWith(MemoryOptions{Blocks: table})
	rec := BlockRecord{Header: chain.BlockHeader{Nonce: 7}}
	hash := rec.Header.Hash()
	raw := []byte("block bytes")
	if err := s1.PutBlock(rec, raw); err != nil {
		t.Fatal(err)
	}
	if err := s2.Apply(&Update{Records: []BlockRecord{rec}, Block: bytes.Clone(raw)}); err != nil {
		t.Fatal(err)
	}
	if table.Len() != 1 || &s1.heldData(hash)[0] != &s2.heldData(hash)[0] {
		t.Fatalf("blocks not shared: table holds %d", table.Len())
	}
	raw[0] = 'X' // the caller's slice is not the stored one
	got, err := s1.Block(hash)
	if err != nil || string(got) != "block bytes" {
		t.Fatalf("s1.Block = %q, %v", got, err)
	}
	got[0] = 'Y' // nor is the returned one
	if got2, _ := s2.Block(hash); string(got2) != "block bytes" {
		t.Fatalf("s2.Block = %q after a caller changed a returned copy", got2)
	}
	s3 := NewMemoryWith(MemoryOptions{Blocks: table})
	if err := s3.PutBlock(rec, []byte("other bytes")); err != nil {
		t.Fatal(err)
	}
	if got3, _ := s3.Block(hash); string(got3) != "other bytes" {
		t.Fatalf("s3.Block = %q, want its own bytes", got3)
	}
	if got1, _ := s1.Block(hash); string(got1) != "block bytes" {
		t.Fatalf("s1.Block = %q after s3 stored other bytes", got1)
	}
}

// TestMemorySharedHeaders: stores sharing a table hold one copy of a
// record's header, while each keeps its own height and status.
func TestMemorySharedHeaders(t *testing.T) {
	table := NewBlockBytes()
	s1 := NewMemoryWith(MemoryOptions{Blocks: table})
	s2 := NewMemoryWith(MemoryOptions{Blocks: table})
	hdr := chain.BlockHeader{Nonce: 9, Timestamp: 1}
	hash := hdr.Hash()
	if err := s1.PutRecords([]BlockRecord{{Header: hdr, Height: 1, Status: StatusHaveData}}); err != nil {
		t.Fatal(err)
	}
	if err := s2.Apply(&Update{Records: []BlockRecord{{Header: hdr, Height: 1, Status: StatusHaveData}}}); err != nil {
		t.Fatal(err)
	}
	if err := s2.PutRecords([]BlockRecord{{Header: hdr, Height: 1, Status: StatusHaveData | StatusValid}}); err != nil {
		t.Fatal(err)
	}
	if s1.heldHeader(hash) != s2.heldHeader(hash) {
		t.Fatal("headers not shared")
	}
	want := map[*Memory]BlockStatus{s1: StatusHaveData, s2: StatusHaveData | StatusValid}
	for s, status := range want {
		var got []BlockRecord
		if err := s.ForEachRecord(func(r BlockRecord) error { got = append(got, r); return nil }); err != nil {
			t.Fatal(err)
		}
		if len(got) != 1 || got[0].Header != hdr || got[0].Height != 1 || got[0].Status != status {
			t.Fatalf("records %+v, want one with status %v", got, status)
		}
	}
}

// heldHeader returns the header m holds for hash, by reference.
func (m *Memory) heldHeader(hash chain.Hash) *chain.BlockHeader {
	id, b := m.block(hash)
	return m.header(id, b)
}

// heldData returns the bytes m holds for hash, by reference.
func (m *Memory) heldData(hash chain.Hash) []byte {
	id, b := m.block(hash)
	return m.data(id, b)
}

// TestMemoryPrivateCopies: a store given a header or bytes that differ
// from the shared table's copy under the same hash (a hash the caller got
// wrong) keeps and returns its own, through status changes, and a store
// without a shared table behaves the same; undo data, empty or not, reads
// back until deleted.
func TestMemoryPrivateCopies(t *testing.T) {
	table := NewBlockBytes()
	hdr := chain.BlockHeader{Nonce: 1}
	hash := hdr.Hash()
	other := chain.BlockHeader{Nonce: 2} // recorded under hash's key below
	first := NewMemoryWith(MemoryOptions{Blocks: table})
	if err := first.PutBlock(BlockRecord{Header: hdr, Height: 1}, []byte("first")); err != nil {
		t.Fatal(err)
	}
	for _, s := range []*Memory{NewMemoryWith(MemoryOptions{Blocks: table}), NewMemory()} {
		u := &Update{Records: []BlockRecord{{Header: other, Height: 1}}, RecordHashes: []chain.Hash{hash}, Block: []byte("second"),
			PutUndo: &Undo{Block: hash, Spent: []Output{{UTXO: UTXO{Amount: 5}}}}}
		if err := s.Apply(u); err != nil {
			t.Fatal(err)
		}
		u = &Update{Records: []BlockRecord{{Header: other, Height: 1, Status: StatusValid}}, RecordHashes: []chain.Hash{hash}}
		if err := s.Apply(u); err != nil {
			t.Fatal(err)
		}
		var recs []BlockRecord
		if err := s.ForEachRecord(func(r BlockRecord) error { recs = append(recs, r); return nil }); err != nil {
			t.Fatal(err)
		}
		if len(recs) != 1 || recs[0].Header != other || recs[0].Status != StatusValid {
			t.Fatalf("records %+v, want the store's own header with its new status", recs)
		}
		if raw, err := s.Block(hash); err != nil || string(raw) != "second" {
			t.Fatalf("Block = %q, %v; want the store's own bytes", raw, err)
		}
		if undo, err := s.Undo(hash); err != nil || len(undo.Spent) != 1 || undo.Spent[0].UTXO.Amount != 5 {
			t.Fatalf("Undo = %+v, %v", undo, err)
		}
		if err := s.Apply(&Update{PutUndo: &Undo{Block: hash}}); err != nil {
			t.Fatal(err)
		}
		if undo, err := s.Undo(hash); err != nil || len(undo.Spent) != 0 {
			t.Fatalf("empty Undo = %+v, %v", undo, err)
		}
		if err := s.Apply(&Update{DeleteUndo: &hash}); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Undo(hash); err != ErrNotFound {
			t.Fatalf("deleted Undo: %v, want ErrNotFound", err)
		}
	}
	if raw, err := first.Block(hash); err != nil || string(raw) != "first" {
		t.Fatalf("first store's Block = %q, %v", raw, err)
	}
}
