package mempool

import (
	"testing"
	"time"

	"github.com/devchain/devchain/chain"
	"github.com/devchain/devchain/consensus"
)

// Every transaction in these tests spends one output into one: 178 bytes,
// so a fee of 178*r pays exactly r units per byte.
const txSize = 178

func TestEvictLowestWithDescendants(t *testing.T) {
	e := newEnv(t)
	p := New(Config{Params: e.params, MaxBytes: 4 * txSize})
	a := e.spend1(e.coin(coin), 2*txSize)
	b := e.spend1(e.coin(coin), 5*txSize)
	c := e.spend1(e.coin(coin), 3*txSize)
	c2 := e.spend1(op(c, 0), 4*txSize) // c with c2: 3.5 units/byte
	for _, tx := range []*chain.Transaction{a, b, c, c2} {
		mustAccept(t, p, tx, e.view, t0)
	}
	if a.SerializeSize() != txSize {
		t.Fatalf("size %d", a.SerializeSize())
	}

	// Full. At 4 units/byte n beats a (2), the lowest: a goes.
	n := e.spend1(e.coin(coin), 4*txSize)
	wantIDs(t, "added", entryIDs(mustAccept(t, p, n, e.view, t0)), txids(n))
	wantIDs(t, "pool", p.TxIDs(), txids(b, c, c2, n))
	if got := p.Info().MinFeeRate; got != 3 {
		t.Fatalf("min fee rate %d after evicting a 2 units/byte tx, want 3", got)
	}

	// 3 units/byte meets the new minimum but does not beat c+c2 (3.5):
	// refused, and nothing changes.
	m := e.spend1(e.coin(coin), 3*txSize)
	before := p.Info()
	_, err := p.Accept(m, e.view, t0)
	wantReject(t, err, RejectFull, "mempool full")
	if _, cerr := p.Check(m, e.view); cerr == nil || cerr.Error() != err.Error() {
		t.Fatalf("Check: %v", cerr)
	}
	if after := p.Info(); after != before {
		t.Fatalf("a refused tx changed the pool: %+v -> %+v", before, after)
	}

	// 10 units/byte evicts the c package, the child with its parent.
	q := e.spend1(e.coin(coin), 10*txSize)
	mustAccept(t, p, q, e.view, t0)
	wantIDs(t, "pool", p.TxIDs(), txids(b, n, q))
	if got := p.Info(); got.MinFeeRate != 4 || got.Bytes != 3*txSize {
		t.Fatalf("info %+v, want min fee rate floor(3.5)+1", got)
	}

	// Below the rolling minimum, above the configured one.
	low := e.spend1(e.coin(coin), 3*txSize)
	_, err = p.Accept(low, e.view, t0)
	wantReject(t, err, RejectInsufficientFee, "mempool min fee not met")
}

func TestEvictionSparesPaidForParent(t *testing.T) {
	e := newEnv(t)
	p := New(Config{Params: e.params, MaxBytes: 3 * txSize})
	parent := e.spend1(e.coin(coin), 1*txSize)
	child := e.spend1(op(parent, 0), 20*txSize) // parent's package: 10.5 units/byte
	other := e.spend1(e.coin(coin), 5*txSize)
	for _, tx := range []*chain.Transaction{parent, child, other} {
		mustAccept(t, p, tx, e.view, t0)
	}
	n := e.spend1(e.coin(coin), 6*txSize)
	mustAccept(t, p, n, e.view, t0)
	wantIDs(t, "pool", p.TxIDs(), txids(parent, child, n))

	// A high-paying child of the lowest package does not evict its own
	// parent: it evicts the next lowest.
	e2 := newEnv(t)
	p2 := New(Config{Params: e2.params, MaxBytes: 3 * txSize})
	low := e2.spend1(e2.coin(coin), 2*txSize)
	mid1 := e2.spend1(e2.coin(coin), 5*txSize)
	mid2 := e2.spend1(e2.coin(coin), 6*txSize)
	for _, tx := range []*chain.Transaction{low, mid1, mid2} {
		mustAccept(t, p2, tx, e2.view, t0)
	}
	cpfp := e2.spend1(op(low, 0), 50*txSize)
	mustAccept(t, p2, cpfp, e2.view, t0)
	wantIDs(t, "pool", p2.TxIDs(), txids(low, mid2, cpfp))
}

func TestMempoolFullForOversizedTx(t *testing.T) {
	e := newEnv(t)
	p := New(Config{Params: e.params, MaxBytes: txSize - 1})
	_, err := p.Accept(e.spend1(e.coin(coin), 100*txSize), e.view, t0)
	wantReject(t, err, RejectFull, "mempool full")
}

func TestRollingMinFeeDecays(t *testing.T) {
	e := newEnv(t)
	p := New(Config{Params: e.params, MaxBytes: 2 * txSize, MinFeeHalfLife: time.Hour})
	mustAccept(t, p, e.spend1(e.coin(coin), 7*txSize), e.view, t0)
	mustAccept(t, p, e.spend1(e.coin(coin), 8*txSize), e.view, t0)
	mustAccept(t, p, e.spend1(e.coin(coin), 9*txSize), e.view, t0) // evicts the 7
	if got := p.Info().MinFeeRate; got != 8 {
		t.Fatalf("min fee rate %d, want 8", got)
	}
	tick := func(at time.Duration) int64 {
		p.BlocksChanged(nil, nil, e.view, t0.Add(at))
		return p.Info().MinFeeRate
	}
	// No decay before a block.
	if got := tick(10 * time.Hour); got != 8 {
		t.Fatalf("decayed without a block: %d", got)
	}
	p.BlocksChanged(nil, []*chain.Block{e.block()}, e.view, t0.Add(10*time.Hour))
	// The pool is full: a whole half-life per halving.
	for _, step := range []struct {
		at   time.Duration
		want int64
	}{{10*time.Hour + 59*time.Minute, 8}, {11 * time.Hour, 4}, {12 * time.Hour, 2}, {13 * time.Hour, 1}} {
		if got := tick(step.at); got != step.want {
			t.Fatalf("at %v: min fee rate %d, want %d", step.at, got, step.want)
		}
	}
	if p.rollingMin != 0 {
		t.Fatalf("rolling minimum %d should be dropped at the configured rate", p.rollingMin)
	}
}

func TestTrimAfterReorg(t *testing.T) {
	e := newEnv(t)
	p := New(Config{Params: e.params, MaxBytes: 2 * txSize})
	x := e.spend1(e.coin(coin), 5*txSize)
	mustAccept(t, p, x, e.view, t0)
	// A block of three cheap transactions the pool never had.
	ins := []chain.OutPoint{e.coin(coin), e.coin(coin), e.coin(coin)}
	restore := map[chain.OutPoint]consensus.UTXO{}
	var cheap []*chain.Transaction
	for _, in := range ins {
		restore[in] = e.view.utxos[in]
		cheap = append(cheap, e.spend1(in, txSize))
	}
	b := e.block(cheap...)
	p.BlocksChanged(nil, []*chain.Block{b}, e.view, t0)
	e.unblock(b, restore)

	// Disconnected, they come back without fee or size checks, then the
	// pool is trimmed: newest of the lowest first.
	ch := p.BlocksChanged([]*chain.Block{b}, nil, e.view, t0)
	wantIDs(t, "added", entryIDs(ch.Added), txids(cheap[0]))
	wantIDs(t, "evicted", removalIDs(ch.Removed, RemovedEvicted), txids(cheap[2], cheap[1]))
	wantIDs(t, "pool", p.TxIDs(), txids(x, cheap[0]))
	if got := p.Info().MinFeeRate; got != 2 {
		t.Fatalf("min fee rate %d", got)
	}
	checkInvariants(t, p)
}
