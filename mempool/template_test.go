package mempool

import (
	"testing"

	"github.com/devchain/devchain/chain"
)

func TestTemplateOrder(t *testing.T) {
	e := newEnv(t)
	p := New(Config{Params: e.params})
	a := e.spend1(e.coin(coin), 10*txSize)
	b := e.spend1(e.coin(coin), 2*txSize)
	b2 := e.spend1(op(b, 0), 30*txSize) // b's package pays 16 units/byte
	c := e.spend1(e.coin(coin), 12*txSize)
	d := e.spend1(e.coin(coin), 1*txSize)
	d2 := e.spend1(op(d, 0), 1*txSize)
	d3 := e.spend1(op(d2, 0), 1*txSize)
	tie := e.spend1(e.coin(coin), 10*txSize) // as a, later
	// Arrival order is not fee order; ties go by arrival.
	for _, tx := range []*chain.Transaction{d, d2, d3, a, b, b2, c, tie} {
		mustAccept(t, p, tx, e.view, t0)
	}
	txs, fees := p.Template(1 << 20)
	wantIDs(t, "template", txids(txs...), txids(b, b2, c, a, tie, d, d2, d3))
	if want := int64((2 + 30 + 12 + 10 + 10 + 3) * txSize); fees != want {
		t.Fatalf("fees %d, want %d", fees, want)
	}
	// A template leaves the pool alone.
	if p.Info().Size != 8 {
		t.Fatal("Template changed the pool")
	}
}

func TestTemplateMaxBytes(t *testing.T) {
	e := newEnv(t)
	p := New(Config{Params: e.params})
	// big: two inputs, 310 bytes at 20 units/byte.
	big := e.spend([]chain.OutPoint{e.coin(coin), e.coin(coin)}, 20*310, 1)
	if big.SerializeSize() != 310 {
		t.Fatalf("size %d", big.SerializeSize())
	}
	hi := e.spend1(e.coin(coin), 30*txSize)
	mid := e.spend1(e.coin(coin), 5*txSize)
	low := e.spend1(e.coin(coin), 1*txSize)
	parent := e.spend1(e.coin(coin), 1*txSize)
	child := e.spend1(op(parent, 0), 40*txSize) // package 20.5 units/byte, 356 bytes
	for _, tx := range []*chain.Transaction{big, hi, mid, low, parent, child} {
		mustAccept(t, p, tx, e.view, t0)
	}
	cases := []struct {
		budget int64
		want   []*chain.Transaction
	}{
		{0, nil},
		{txSize - 1, nil},
		{txSize, []*chain.Transaction{hi}},
		// hi, then the parent+child package (20.5) does not fit, big (20)
		// does not fit: mid and low are still tried.
		{2*txSize + 100, []*chain.Transaction{hi, mid}},
		{txSize + 356, []*chain.Transaction{hi, parent, child}},
		{txSize + 356 + 310, []*chain.Transaction{hi, parent, child, big}},
		{1 << 20, []*chain.Transaction{hi, parent, child, big, mid, low}},
	}
	for _, tc := range cases {
		txs, fees := p.Template(tc.budget)
		wantIDs(t, "template", txids(txs...), txids(tc.want...))
		var bytes, want int64
		for _, tx := range txs {
			bytes += int64(tx.SerializeSize())
			en, _ := p.Get(tx.TxID())
			want += en.Fee
		}
		if bytes > tc.budget || fees != want {
			t.Fatalf("budget %d: %d bytes, fees %d want %d", tc.budget, bytes, fees, want)
		}
	}
}
