package consensus

import (
	"math/big"
	"sync/atomic"

	"github.com/devchain/devchain/chain"
)

// CheckProofOfWork checks that the header's target is positive and at most
// powLimit, and that its hash is at or below that target.
func CheckProofOfWork(h *chain.BlockHeader, powLimit *big.Int) error {
	return CheckHashProofOfWork(h.Hash(), h.Bits, powLimit)
}

// CheckHashProofOfWork is CheckProofOfWork for a header already hashed:
// hash must be the header's hash and bits its bits.
func CheckHashProofOfWork(hash chain.Hash, bits uint32, powLimit *big.Int) error {
	target, err := powTarget(bits, powLimit)
	if err != nil {
		return err
	}
	// The hash is a little-endian number: its last byte weighs most.
	for i := len(hash) - 1; i >= 0; i-- {
		if d := hash[i]; d != target[len(hash)-1-i] {
			if d > target[len(hash)-1-i] {
				return ruleError(ErrHighHash, "block hash %s is above the target of bits %08x", hash, bits)
			}
			return nil
		}
	}
	return nil // at the target exactly
}

// powTarget returns the target of bits as 32 big-endian bytes, or why it
// is not a valid target under powLimit.
func powTarget(bits uint32, powLimit *big.Int) ([32]byte, error) {
	// Consecutive headers nearly always share their bits: the last valid
	// target is kept, sparing big-number work per header.
	if m := lastTarget.Load(); m != nil && m.bits == bits && m.powLimit == powLimit {
		return m.target, nil
	}
	target := CompactToBig(bits)
	if target.Sign() <= 0 {
		return [32]byte{}, ruleError(ErrBadTarget, "target of bits %08x is not positive", bits)
	}
	if target.Cmp(powLimit) > 0 || target.BitLen() > 256 {
		return [32]byte{}, ruleError(ErrBadTarget, "target of bits %08x is above the pow limit", bits)
	}
	m := &targetMemo{bits: bits, powLimit: powLimit}
	target.FillBytes(m.target[:])
	lastTarget.Store(m)
	return m.target, nil
}

// targetMemo is one valid target, never modified once stored; powLimit is
// compared by identity (a chain's parameters are not modified either).
type targetMemo struct {
	bits     uint32
	powLimit *big.Int
	target   [32]byte
}

var lastTarget atomic.Pointer[targetMemo]

// RetargetBits is Bitcoin's difficulty step: the time the last window took
// (actualSeconds) is clamped to [targetSeconds/maxFactor,
// targetSeconds*maxFactor], the new target is the old one scaled by
// actual/target, and the result is capped at powLimit.
func RetargetBits(prevBits uint32, actualSeconds, targetSeconds, maxFactor int64, powLimit *big.Int) uint32 {
	if minSpan := targetSeconds / maxFactor; actualSeconds < minSpan {
		actualSeconds = minSpan
	}
	if maxSpan := targetSeconds * maxFactor; actualSeconds > maxSpan {
		actualSeconds = maxSpan
	}
	target := CompactToBig(prevBits)
	target.Mul(target, big.NewInt(actualSeconds))
	target.Div(target, big.NewInt(targetSeconds))
	if target.Cmp(powLimit) > 0 {
		target.Set(powLimit)
	}
	return BigToCompact(target)
}
