package consensus

import (
	"math/big"

	"github.com/devchain/devchain/chain"
)

// CheckProofOfWork checks that the header's target is positive and at most
// powLimit, and that its hash is at or below that target.
func CheckProofOfWork(h *chain.BlockHeader, powLimit *big.Int) error {
	target := CompactToBig(h.Bits)
	if target.Sign() <= 0 {
		return ruleError(ErrBadTarget, "target of bits %08x is not positive", h.Bits)
	}
	if target.Cmp(powLimit) > 0 {
		return ruleError(ErrBadTarget, "target of bits %08x is above the pow limit", h.Bits)
	}
	hash := h.Hash()
	if HashToBig(hash).Cmp(target) > 0 {
		return ruleError(ErrHighHash, "block hash %s is above the target of bits %08x", hash, h.Bits)
	}
	return nil
}

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
