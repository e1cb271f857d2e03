package consensus

import (
	"math/big"
	"sync/atomic"
)

// CompactToBig expands Bitcoin's compact "bits" encoding into the number it
// stands for: the low 23 bits are a mantissa, bit 23 its sign and the top byte
// the length in bytes of the whole number. Values that would overflow 256 bits
// come back as they are; CheckProofOfWork refuses them as above the limit.
func CompactToBig(bits uint32) *big.Int {
	size := bits >> 24
	mantissa := int64(bits & 0x007fffff)
	n := big.NewInt(mantissa)
	if size <= 3 {
		n.Rsh(n, uint(8*(3-size)))
	} else {
		n.Lsh(n, uint(8*(size-3)))
	}
	if mantissa != 0 && bits&0x00800000 != 0 {
		n.Neg(n)
	}
	return n
}

// BigToCompact is the inverse of CompactToBig, rounding toward zero to the
// 3 significant bytes the encoding keeps, exactly as Bitcoin's GetCompact.
func BigToCompact(n *big.Int) uint32 {
	if n.Sign() == 0 {
		return 0
	}
	abs := new(big.Int).Abs(n)
	size := uint32(len(abs.Bytes()))
	var mantissa uint32
	if size <= 3 {
		mantissa = uint32(abs.Uint64()) << (8 * (3 - size))
	} else {
		mantissa = uint32(new(big.Int).Rsh(abs, uint(8*(size-3))).Uint64())
	}
	// Bit 23 is the sign: a mantissa using it moves one byte right.
	if mantissa&0x00800000 != 0 {
		mantissa >>= 8
		size++
	}
	compact := size<<24 | mantissa
	if n.Sign() < 0 {
		compact |= 0x00800000
	}
	return compact
}

var twoTo256 = new(big.Int).Lsh(big.NewInt(1), 256)

// CalcWork returns the expected number of hashes to find a block with the
// given bits: 2^256 / (target+1). Targets that are not positive count zero.
// The result is the caller's to modify.
func CalcWork(bits uint32) *big.Int {
	// Consecutive blocks nearly always share their bits: the last answer
	// is kept, sparing a 256-bit division per block and per header.
	if m := lastWork.Load(); m != nil && m.bits == bits {
		return new(big.Int).Set(m.work)
	}
	work := new(big.Int)
	if target := CompactToBig(bits); target.Sign() > 0 {
		work.Div(twoTo256, target.Add(target, big.NewInt(1)))
	}
	lastWork.Store(&workMemo{bits: bits, work: new(big.Int).Set(work)})
	return work
}

// blockWork is CalcWork without the copy, for a caller that only reads
// the answer: the memo's value, never to be modified.
func blockWork(bits uint32) *big.Int {
	if m := lastWork.Load(); m != nil && m.bits == bits {
		return m.work
	}
	return CalcWork(bits)
}

// workMemo is one CalcWork answer, never modified once stored.
type workMemo struct {
	bits uint32
	work *big.Int
}

// lastWork is CalcWork's last answer (atomic: engines in different
// goroutines share it).
var lastWork atomic.Pointer[workMemo]

// HashToBig interprets a block hash as the little-endian 256-bit number that
// proof of work compares with the target.
func HashToBig(h [32]byte) *big.Int {
	var be [32]byte
	for i := range h {
		be[i] = h[31-i]
	}
	return new(big.Int).SetBytes(be[:])
}
