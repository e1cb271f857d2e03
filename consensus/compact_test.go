package consensus_test

import (
	"errors"
	"math/big"
	"slices"
	"testing"

	"github.com/devchain/devchain/chain"
	"github.com/devchain/devchain/consensus"
)

// TestCompactBitcoinCoreVectors runs the cases of Bitcoin Core's
// bignum_SetCompact test (src/test/arith_uint256_tests.cpp) through
// CompactToBig and BigToCompact: the number each compact stands for, its
// sign, and the compact Core's GetCompact gives back for it. Core returns the
// magnitude and a separate negative flag; CompactToBig returns a negative
// number instead, and BigToCompact encodes the sign as GetCompact(true)
// does. A mantissa shifted out entirely is zero, never negative.
func TestCompactBitcoinCoreVectors(t *testing.T) {
	tests := []struct {
		bits      uint32
		magnitude string // hex
		negative  bool
		compact   uint32 // BigToCompact(CompactToBig(bits))
	}{
		{0x00000000, "0", false, 0},
		{0x00123456, "0", false, 0},
		{0x01003456, "0", false, 0},
		{0x02000056, "0", false, 0},
		{0x03000000, "0", false, 0},
		{0x04000000, "0", false, 0},
		{0x00923456, "0", false, 0},
		{0x01803456, "0", false, 0},
		{0x02800056, "0", false, 0},
		{0x03800000, "0", false, 0},
		{0x04800000, "0", false, 0},
		{0x01123456, "12", false, 0x01120000},
		{0x01fedcba, "7e", true, 0x01fe0000},
		{0x02123456, "1234", false, 0x02123400},
		{0x03123456, "123456", false, 0x03123456},
		{0x04123456, "12345600", false, 0x04123456},
		{0x04923456, "12345600", true, 0x04923456},
		{0x05009234, "92340000", false, 0x05009234},
		{0x20123456, "1234560000000000000000000000000000000000000000000000000000000000", false, 0x20123456},
	}
	for _, tt := range tests {
		n := consensus.CompactToBig(tt.bits)
		want, _ := new(big.Int).SetString(tt.magnitude, 16)
		if tt.negative {
			want.Neg(want)
		}
		if n.Cmp(want) != 0 {
			t.Errorf("CompactToBig(%#08x) = %#x, want %#x", tt.bits, n, want)
		}
		if got := consensus.BigToCompact(n); got != tt.compact {
			t.Errorf("BigToCompact(CompactToBig(%#08x)) = %#08x, want %#08x", tt.bits, got, tt.compact)
		}
	}
}

// TestBigToCompactAvoidsSignBit is Core's check that GetCompact never sets
// bit 23 for a positive number: 0x80 moves to a longer encoding.
func TestBigToCompactAvoidsSignBit(t *testing.T) {
	tests := []struct {
		n    int64
		want uint32
	}{
		{0x80, 0x02008000},
		{0x7f, 0x017f0000},
		{0x8000, 0x03008000},
		{0x800000, 0x04008000},
		{-0x80, 0x02808000},
	}
	for _, tt := range tests {
		if got := consensus.BigToCompact(big.NewInt(tt.n)); got != tt.want {
			t.Errorf("BigToCompact(%#x) = %#08x, want %#08x", tt.n, got, tt.want)
		}
	}
}

// TestCompactOverflow covers the compacts Core's SetCompact flags as
// overflowing 256 bits (its last case is 0xff123456). CompactToBig has no
// overflow flag: it returns the number as it is, at least 2^256, which is
// above any pow limit, so CheckProofOfWork refuses it as ErrBadTarget. The
// same holds for negative and zero targets.
func TestCompactOverflow(t *testing.T) {
	twoTo256 := new(big.Int).Lsh(big.NewInt(1), 256)
	overflowing := []uint32{0xff123456, 0x21010000, 0x22000100, 0x23000001}
	for _, bits := range overflowing {
		if n := consensus.CompactToBig(bits); n.Cmp(twoTo256) < 0 {
			t.Errorf("CompactToBig(%#08x) = %#x, want at least 2^256", bits, n)
		}
	}
	// 0x2100ffff is 0xffff·2^240, just below 2^256: not an overflow for
	// Core, yet above the loosest pow limit.
	if n := consensus.CompactToBig(0x2100ffff); n.Cmp(twoTo256) >= 0 {
		t.Errorf("CompactToBig(0x2100ffff) = %#x, want below 2^256", n)
	}
	refused := slices.Concat(overflowing, []uint32{0x2100ffff, 0x01fedcba, 0x04923456, 0x00000000, 0x00123456})
	for _, limit := range []uint32{0x1d00ffff, 0x207fffff} {
		powLimit := consensus.CompactToBig(limit)
		for _, bits := range refused {
			h := chain.BlockHeader{Bits: bits}
			if err := consensus.CheckProofOfWork(&h, powLimit); !errors.Is(err, consensus.ErrBadTarget) {
				t.Errorf("CheckProofOfWork(bits %#08x, limit %#08x) = %v, want ErrBadTarget", bits, limit, err)
			}
		}
	}
}

// TestCompactRoundTripBitcoinBits checks that every bits value Bitcoin used
// in the vectors, and the devnet's, survive CompactToBig then BigToCompact.
func TestCompactRoundTripBitcoinBits(t *testing.T) {
	for _, bits := range []uint32{0x1d00ffff, 0x1c05a3f4, 0x1c0168fd, 0x1c387f6f, 0x1d00e1fd, 0x1d00d86a, 0x1a05db8b, 0x207fffff, 0x1e0fffff} {
		if got := consensus.BigToCompact(consensus.CompactToBig(bits)); got != bits {
			t.Errorf("round trip of %#08x gives %#08x", bits, got)
		}
	}
}
