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
	if table.Len() != 1 || &s1.block(hash).data[0] != &s2.block(hash).data[0] {
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
	if s1.block(hash).header != s2.block(hash).header {
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
