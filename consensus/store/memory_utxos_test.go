package store

import (
	"reflect"
	"testing"

	"github.com/devchain/devchain/chain"
)

// TestMemorySharedUTXOs: stores on one table each keep their own UTXO set,
// an outpoint whose value differs between them (a transaction mined at
// different heights on two branches) included, through adds, removes,
// re-adds and a snapshot.
func TestMemorySharedUTXOs(t *testing.T) {
	table := NewBlockBytes()
	s1 := NewMemoryWith(MemoryOptions{Blocks: table})
	s2 := NewMemoryWith(MemoryOptions{Blocks: table, NoAddressIndex: true})
	op := func(n byte) chain.OutPoint { return chain.OutPoint{TxID: chain.Hash{n}, Index: uint32(n)} }
	at := func(n byte, height uint32) Output {
		return Output{OutPoint: op(n), UTXO: UTXO{Amount: int64(n), Address: chain.Address{n}, Height: height}}
	}
	apply := func(s *Memory, u *Update) {
		t.Helper()
		if err := s.Apply(u); err != nil {
			t.Fatal(err)
		}
	}
	want := func(s *Memory, name string, outs ...Output) {
		t.Helper()
		var got []Output
		if err := s.ForEachUTXO(func(o Output) error { got = append(got, o); return nil }); err != nil {
			t.Fatal(err)
		}
		if len(got) != len(outs) || (len(outs) > 0 && !reflect.DeepEqual(got, outs)) {
			t.Fatalf("%s: UTXO set %v, want %v", name, got, outs)
		}
		for _, o := range outs {
			u, ok, err := s.UTXO(o.OutPoint)
			if err != nil || !ok || u != o.UTXO {
				t.Fatalf("%s: UTXO(%v) = %v, %v, %v; want %v", name, o.OutPoint, u, ok, err, o.UTXO)
			}
			byAddr, _ := s.AddressUTXOs(o.UTXO.Address)
			if len(byAddr) != 1 || byAddr[0] != o {
				t.Fatalf("%s: AddressUTXOs(%x) = %v, want %v", name, o.UTXO.Address[:1], byAddr, o)
			}
		}
	}
	apply(s1, &Update{Add: []Output{at(1, 5), at(2, 5)}})
	apply(s2, &Update{Add: []Output{at(2, 6), at(3, 6)}}) // output 2 at another height
	want(s1, "s1", at(1, 5), at(2, 5))
	want(s2, "s2", at(2, 6), at(3, 6))

	snap, err := s2.Snapshot()
	if err != nil {
		t.Fatal(err)
	}
	apply(s2, &Update{Remove: []Output{at(2, 6)}})
	want(s2, "s2 after a spend", at(3, 6))
	if _, ok, _ := s2.UTXO(op(2)); ok {
		t.Fatal("s2: spent output still found")
	}
	want(s1, "s1 after s2's spend", at(1, 5), at(2, 5))
	want(snap.(*Memory), "s2's snapshot", at(2, 6), at(3, 6))

	apply(s2, &Update{Add: []Output{at(2, 5)}}) // back, now with the table's value
	want(s2, "s2 re-added", at(2, 5), at(3, 6))
	if len(s2.utxos.private) != 0 {
		t.Fatalf("s2 keeps %d private values for outputs equal to the table's", len(s2.utxos.private))
	}
	apply(s1, &Update{Remove: []Output{at(1, 5), at(2, 5)}, Add: []Output{at(2, 9)}})
	want(s1, "s1 replaced", at(2, 9))
	if _, ok, _ := s1.UTXO(op(7)); ok {
		t.Fatal("s1: an output never added was found")
	}
}

// TestMemorySharedUTXOsConcurrently: stores on one table change and read
// their UTXO sets from goroutines of their own (run with -race).
func TestMemorySharedUTXOsConcurrently(t *testing.T) {
	table := NewBlockBytes()
	done := make(chan int, 2)
	for g := range 2 {
		s := NewMemoryWith(MemoryOptions{Blocks: table})
		go func() {
			for i := range 200 {
				o := Output{OutPoint: chain.OutPoint{TxID: chain.Hash{byte(i)}, Index: uint32(g)}, UTXO: UTXO{Amount: int64(i)}}
				if err := s.Apply(&Update{Add: []Output{o}}); err != nil {
					t.Error(err)
				}
				if i%3 == 0 {
					if err := s.Apply(&Update{Remove: []Output{o}}); err != nil {
						t.Error(err)
					}
				}
			}
			n := 0
			_ = s.ForEachUTXO(func(Output) error { n++; return nil })
			done <- n
		}()
	}
	for range 2 {
		if n := <-done; n != 133 {
			t.Errorf("a store holds %d outputs, want 133", n)
		}
	}
}
