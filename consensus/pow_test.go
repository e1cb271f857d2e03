package consensus_test

import (
	"errors"
	"math/big"
	"math/rand"
	"testing"

	"github.com/devchain/devchain/chain"
	"github.com/devchain/devchain/consensus"
	"github.com/devchain/devchain/consensus/consensustest"
)

// Bitcoin mainnet's retarget: two weeks, at most a factor of 4 either way.
const (
	bitcoinTargetTimespan = 14 * 24 * 60 * 60 // 1209600 s
	bitcoinMaxAdjust      = 4
)

// TestRetargetBitsBitcoinCore runs Bitcoin Core's pow_tests retarget cases
// (src/test/pow_tests.cpp) through RetargetBits: actual is the last block's
// time minus the window's first block's time.
func TestRetargetBitsBitcoinCore(t *testing.T) {
	tests := []struct {
		name       string
		prevBits   uint32
		first, tip int64 // timestamps of the window's first and last blocks
		want       uint32
	}{
		// Blocks 30240..32255: no clamp applies.
		{"get_next_work", 0x1d00ffff, 1261130161, 1262152739, 0x1d00d86a},
		// Blocks 0..2015: slower than two weeks, but capped at the pow limit.
		{"get_next_work_pow_limit", 0x1d00ffff, 1231006505, 1233061996, 0x1d00ffff},
		// Blocks 66528..68543: faster than half a week, clamped to a quarter.
		{"get_next_work_lower_limit_actual", 0x1c05a3f4, 1279008237, 1279297671, 0x1c0168fd},
		// Ending at block 46367: more than eight weeks, clamped to four times.
		{"get_next_work_upper_limit_actual", 0x1c387f6f, 1263163443, 1269211443, 0x1d00e1fd},
		// One second over two weeks: the change is below the mantissa's
		// precision and truncated away.
		{"one second slow", 0x1c05a3f4, 0, bitcoinTargetTimespan + 1, 0x1c05a3f4},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := consensus.RetargetBits(tt.prevBits, tt.tip-tt.first, bitcoinTargetTimespan, bitcoinMaxAdjust, bitcoinMainPowLimit)
			if got != tt.want {
				t.Fatalf("RetargetBits(%#08x, %d s) = %#08x, want %#08x", tt.prevBits, tt.tip-tt.first, got, tt.want)
			}
		})
	}
}

// TestRetargetBitsDevnet checks clamping and the pow-limit cap at the
// devnet's parameters: a 20-block window of 5 s blocks (100 s), factor 4,
// pow limit 0x207fffff. 0x1f00ffff is a target of 0xffff·2^224.
func TestRetargetBitsDevnet(t *testing.T) {
	p := devnetParams(t)
	target := p.RetargetInterval * p.TargetSpacingSeconds
	tests := []struct {
		name     string
		prevBits uint32
		actual   int64
		factor   int64
		want     uint32
	}{
		{"on time", 0x1f00ffff, 100, 4, 0x1f00ffff},
		{"twice as fast halves the target", 0x1f00ffff, 50, 4, 0x1e7fff80},
		{"at the lower clamp", 0x1f00ffff, 25, 4, 0x1e3fffc0},
		{"faster than the clamp", 0x1f00ffff, 10, 4, 0x1e3fffc0},
		{"no time at all", 0x1f00ffff, 0, 4, 0x1e3fffc0},
		{"timestamps going backwards", 0x1f00ffff, -500, 4, 0x1e3fffc0},
		{"at the upper clamp", 0x1f00ffff, 400, 4, 0x1f03fffc},
		{"slower than the clamp", 0x1f00ffff, 10_000, 4, 0x1f03fffc},
		{"5% fast, truncated to the mantissa", 0x1f00ffff, 95, 4, 0x1f00f332},
		{"1% slow", 0x1f00ffff, 101, 4, 0x1f01028e},
		{"factor 1 never moves", 0x1f00ffff, 10_000, 1, 0x1f00ffff},
		{"factor 1 never moves (fast)", 0x1f00ffff, 1, 1, 0x1f00ffff},
		{"at the pow limit, slow: stays", 0x207fffff, 400, 4, 0x207fffff},
		{"just under the limit after 4x", 0x201fffff, 400, 4, 0x207ffffc},
		{"above the limit after 4x: capped", 0x20200000, 400, 4, 0x207fffff},
		{"above the limit after 2x: capped", 0x20400000, 200, 4, 0x207fffff},
		{"from the limit, fast", 0x207fffff, 25, 4, 0x201fffff},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := consensus.RetargetBits(tt.prevBits, tt.actual, target, tt.factor, p.PowLimit); got != tt.want {
				t.Fatalf("RetargetBits(%#08x, %d s of %d, factor %d) = %#08x, want %#08x",
					tt.prevBits, tt.actual, target, tt.factor, got, tt.want)
			}
		})
	}
}

// TestNextRequiredBits checks when the retarget happens: only for a child
// whose height is a multiple of the interval, measuring from the block
// interval blocks before it to the parent.
func TestNextRequiredBits(t *testing.T) {
	p := devnetParams(t) // interval 20, spacing 5
	const t0 = 1_767_225_600
	tests := []struct {
		name         string
		parentHeight uint32
		parentTime   uint32
		wantAncestor int64 // height whose time is read; -1: none
		want         uint32
	}{
		{"first block", 0, t0, -1, 0x1f00ffff},
		{"between retargets", 18, t0 + 90, -1, 0x1f00ffff},
		{"first retarget, on time (19 spacings)", 19, t0 + 95, 0, 0x1f00f332},
		{"first retarget, 100 s", 19, t0 + 100, 0, 0x1f00ffff},
		{"first retarget, fast", 19, t0 + 1, 0, 0x1e3fffc0},
		{"just after a retarget", 20, t0 + 100, -1, 0x1f00ffff},
		{"second retarget measures from height 20", 39, t0 + 400, 20, 0x1f02fffd},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			parent := chain.BlockHeader{Bits: 0x1f00ffff, Timestamp: tt.parentTime}
			asked := int64(-1)
			got := consensus.NextRequiredBits(p, &parent, tt.parentHeight, func(height uint32) uint32 {
				asked = int64(height)
				return t0 + 5*height
			})
			if asked != tt.wantAncestor {
				t.Errorf("asked for the time of height %d, want %d", asked, tt.wantAncestor)
			}
			if got != tt.want {
				t.Errorf("NextRequiredBits(parent height %d) = %#08x, want %#08x", tt.parentHeight, got, tt.want)
			}
		})
	}
}

// TestNextRequiredBitsNoRetarget checks that interval 0 keeps the parent's
// bits at every height, as regtest does.
func TestNextRequiredBitsNoRetarget(t *testing.T) {
	g := consensustest.TestGenesis()
	g.RetargetIntervalBlocks = 0
	p, err := consensus.NewParams(g)
	if err != nil {
		t.Fatal(err)
	}
	parent := chain.BlockHeader{Bits: 0x1f00ffff, Timestamp: 1}
	for _, height := range []uint32{0, 19, 20, 2015, 2016, 1 << 31} {
		got := consensus.NextRequiredBits(p, &parent, height, func(uint32) uint32 {
			t.Fatalf("ancestor time read at parent height %d", height)
			return 0
		})
		if got != parent.Bits {
			t.Errorf("parent height %d: bits %#08x, want %#08x", height, got, parent.Bits)
		}
	}
}

// TestCheckProofOfWorkTargets follows Bitcoin Core's CheckProofOfWork
// tests: negative, zero, overflowing and too-easy targets are refused as
// ErrBadTarget whatever the hash; a hash above a valid target is ErrHighHash.
func TestCheckProofOfWorkTargets(t *testing.T) {
	limit := bitcoinMainPowLimit
	tests := []struct {
		name string
		bits uint32
		want error
	}{
		{"negative target", 0x1d80ffff, consensus.ErrBadTarget},
		{"zero target", 0, consensus.ErrBadTarget},
		{"overflowing target", ^uint32(0x00800000), consensus.ErrBadTarget},
		{"twice the pow limit", 0x1d01fffe, consensus.ErrBadTarget},
		{"the pow limit, hash above it", 0x1d00ffff, consensus.ErrHighHash},
		{"tiny target", 0x03000001, consensus.ErrHighHash},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// Nonce 0 with these fields hashes far above every target here.
			h := chain.BlockHeader{Version: 1, Bits: tt.bits}
			if err := consensus.CheckProofOfWork(&h, limit); !errors.Is(err, tt.want) {
				t.Fatalf("CheckProofOfWork(bits %#08x) = %v, want %v", tt.bits, err, tt.want)
			}
		})
	}
}

// devnetParams returns consensustest's devnet parameters.
func devnetParams(tb testing.TB) *consensus.Params {
	tb.Helper()
	p, err := consensus.NewParams(consensustest.TestGenesis())
	if err != nil {
		tb.Fatal(err)
	}
	return p
}

// TestCheckHashProofOfWorkAgreesWithBigInts: the byte-wise comparison of a
// hash with its target decides as the 256-bit numbers do, at the target
// exactly, one above and one below, and for random hashes near it.
func TestCheckHashProofOfWorkAgreesWithBigInts(t *testing.T) {
	limit := bitcoinMainPowLimit
	rng := rand.New(rand.NewSource(7))
	toHash := func(n *big.Int) (h chain.Hash) {
		var be [32]byte
		n.FillBytes(be[:])
		for i := range be {
			h[i] = be[31-i]
		}
		return h
	}
	for _, bits := range []uint32{0x1d00ffff, 0x1b0404cb, 0x03000001, 0x1c7fffff, 0x207fffff} {
		target := consensus.CompactToBig(bits)
		hashes := []*big.Int{target, new(big.Int).Add(target, big.NewInt(1)), new(big.Int).Sub(target, big.NewInt(1))}
		for range 200 {
			// Random numbers with the target's length, so both verdicts occur.
			n := new(big.Int).Rand(rng, new(big.Int).Lsh(big.NewInt(1), uint(target.BitLen())))
			hashes = append(hashes, n)
		}
		for _, n := range hashes {
			err := consensus.CheckHashProofOfWork(toHash(n), bits, limit)
			wantHigh := n.Cmp(target) > 0
			switch {
			case target.Cmp(limit) > 0:
				if !errors.Is(err, consensus.ErrBadTarget) {
					t.Fatalf("bits %08x: %v, want ErrBadTarget", bits, err)
				}
			case wantHigh != errors.Is(err, consensus.ErrHighHash) || (!wantHigh && err != nil):
				t.Fatalf("bits %08x, hash %x: %v, want high=%v", bits, n, err, wantHigh)
			}
		}
	}
}
