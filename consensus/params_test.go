package consensus_test

import (
	"math"
	"slices"
	"testing"

	"github.com/devchain/devchain/chain"
	"github.com/devchain/devchain/consensus"
	"github.com/devchain/devchain/consensus/consensustest"
)

// TestSubsidy checks the halving schedule at the devnet's parameters (50
// coins, halving every 150 blocks) and at the edges: no halving, and so
// many halvings that the shift would leave the integer.
func TestSubsidy(t *testing.T) {
	const coin = chain.UnitsPerCoin
	tests := []struct {
		name    string
		halving int64
		height  uint32
		want    int64
	}{
		{"genesis height", 150, 0, 50 * coin},
		{"last block of the first era", 150, 149, 50 * coin},
		{"first halving", 150, 150, 25 * coin},
		{"last block of the second era", 150, 299, 25 * coin},
		{"second halving", 150, 300, 1_250_000_000},
		{"32 halvings leave one unit", 150, 150 * 32, 1},
		{"33 halvings leave nothing", 150, 150 * 33, 0},
		{"63 halvings", 150, 150 * 63, 0},
		{"64 halvings: no shift out of range", 150, 150 * 64, 0},
		{"highest height, halving every block", 1, math.MaxUint32, 0},
		{"no halving", 0, math.MaxUint32, 50 * coin},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := consensustest.TestGenesis()
			g.HalvingIntervalBlocks = tt.halving
			p, err := consensus.NewParams(g)
			if err != nil {
				t.Fatal(err)
			}
			if got := p.Subsidy(tt.height); got != tt.want {
				t.Fatalf("Subsidy(%d) with halving every %d = %d, want %d", tt.height, tt.halving, got, tt.want)
			}
		})
	}
}

// TestSubsidyNeverIncreases walks the devnet schedule: the subsidy only
// falls, halving exactly at multiples of the interval.
func TestSubsidyNeverIncreases(t *testing.T) {
	p := devnetParams(t)
	prev := p.Subsidy(0)
	for h := uint32(1); h < 150*40; h++ {
		got := p.Subsidy(h)
		want := prev
		if h%150 == 0 {
			want = prev / 2
		}
		if got != want {
			t.Fatalf("Subsidy(%d) = %d after %d, want %d", h, got, prev, want)
		}
		prev = got
	}
}

func TestMedianTime(t *testing.T) {
	tests := []struct {
		name  string
		times []uint32
		want  uint32
	}{
		{"one block", []uint32{7}, 7},
		{"two blocks: the upper one", []uint32{7, 9}, 9},
		{"three", []uint32{3, 1, 2}, 2},
		{"four: the upper middle", []uint32{40, 10, 30, 20}, 30},
		{"eleven in order", []uint32{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}, 6},
		{"eleven, newest first", []uint32{11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1}, 6},
		{"eleven with an outlier", []uint32{100, 101, 102, 103, 104, 105, 106, 107, 108, 109, 1 << 31}, 105},
		{"repeated times", []uint32{5, 5, 5, 9, 9, 1, 1, 5, 9, 5, 5}, 5},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := consensus.MedianTime(slices.Clone(tt.times)); got != tt.want {
				t.Fatalf("MedianTime(%v) = %d, want %d", tt.times, got, tt.want)
			}
		})
	}
}

// Coinbase maturity is decided by one function, at its boundary: with
// maturity 10 an output of the coinbase at height 5 is spendable in block
// 15, not in block 14; with maturity 0, in its own block's successor and
// even (for the rule itself) at its own height.
func TestCoinbaseMature(t *testing.T) {
	tests := []struct {
		maturity, created, spend int64
		want                     bool
	}{
		{10, 5, 14, false},
		{10, 5, 15, true},
		{10, 5, 100, true},
		{10, 0, 9, false},
		{1, 5, 6, true},
		{1, 5, 5, false},
		{0, 5, 5, true},
	}
	for _, tc := range tests {
		p := &consensus.Params{CoinbaseMaturity: tc.maturity}
		if got := p.CoinbaseMature(tc.created, tc.spend); got != tc.want {
			t.Errorf("maturity %d: coinbase at %d spent at %d: mature %v, want %v", tc.maturity, tc.created, tc.spend, got, tc.want)
		}
		cb := consensus.UTXO{Coinbase: true, Height: uint32(tc.created)}
		if got := p.Spendable(cb, tc.spend); got != tc.want {
			t.Errorf("Spendable(coinbase at %d, %d) = %v, want %v", tc.created, tc.spend, got, tc.want)
		}
		if !p.Spendable(consensus.UTXO{Height: uint32(tc.created)}, tc.spend) {
			t.Errorf("a non-coinbase output is immature")
		}
	}
}
