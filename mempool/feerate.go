package mempool

import (
	"math/bits"
	"time"
)

// Fee rates are fee/size fractions in units per byte. They are compared
// exactly by cross-multiplying in 128 bits: fees reach MaxMoney (about 2^61)
// and a product with a size would overflow int64.

// cmpRate compares feeA/sizeA with feeB/sizeB: -1, 0 or +1. Fees must be
// non-negative and sizes positive.
func cmpRate(feeA, sizeA, feeB, sizeB int64) int {
	ah, al := bits.Mul64(uint64(feeA), uint64(sizeB))
	bh, bl := bits.Mul64(uint64(feeB), uint64(sizeA))
	switch {
	case ah < bh || (ah == bh && al < bl):
		return -1
	case ah > bh || (ah == bh && al > bl):
		return 1
	}
	return 0
}

// meetsRate reports whether fee pays at least rate units per byte of size.
func meetsRate(fee, size, rate int64) bool {
	if rate <= 0 {
		return true
	}
	return cmpRate(fee, size, rate, 1) >= 0
}

// rateFloor returns fee/size rounded down.
func rateFloor(fee, size int64) int64 { return fee / size }

// The rolling minimum fee rate is Bitcoin Core's answer to a full pool: when
// transactions are evicted for room, the minimum rises to the evicted
// package's fee rate plus one unit per byte (rounded: floor(rate)+1, always
// above the evicted rate), so that what was just thrown out cannot come
// straight back in. It decays once a block has been connected since the last
// rise: halved every MinFeeHalfLife (a quarter of it while the pool is under
// a quarter full, half of it under half full), in whole halvings computed
// from the time passed to Accept and BlocksChanged, and it is dropped when
// it reaches the configured MinFeeRate.

// bumpMinFee raises the rolling minimum after evicting a package that paid
// fee for size bytes.
func (p *Pool) bumpMinFee(fee, size int64, now time.Time) {
	if r := rateFloor(fee, size) + 1; r > p.rollingMin {
		p.rollingMin = r
		p.log.Info("min_fee_raised", "fee_rate", r)
	}
	p.blockSinceBump = false
	p.rollingUpdated = now
}

// blockConnected starts the decay of a raised minimum.
func (p *Pool) blockConnected(now time.Time) {
	if !p.blockSinceBump {
		p.blockSinceBump = true
		p.rollingUpdated = now
	}
}

// decayMinFee applies the halvings due by now.
func (p *Pool) decayMinFee(now time.Time) {
	if p.rollingMin == 0 || !p.blockSinceBump {
		return
	}
	half := p.cfg.MinFeeHalfLife
	switch {
	case p.bytes < p.cfg.MaxBytes/4:
		half /= 4
	case p.bytes < p.cfg.MaxBytes/2:
		half /= 2
	}
	if half <= 0 {
		half = 1
	}
	elapsed := now.Sub(p.rollingUpdated)
	if elapsed < half {
		return
	}
	n := int64(elapsed / half)
	if n >= 63 {
		p.rollingMin = 0
	} else {
		p.rollingMin >>= n
	}
	p.rollingUpdated = p.rollingUpdated.Add(time.Duration(n) * half)
	if p.rollingMin <= p.cfg.MinFeeRate {
		p.rollingMin = 0
	}
}

// minFeeRate returns the effective minimum: the configured rate or the
// rolling one, whichever is higher.
func (p *Pool) minFeeRate() int64 {
	return max(p.cfg.MinFeeRate, p.rollingMin)
}
