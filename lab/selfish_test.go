package lab

import (
	"fmt"
	"math"
	"testing"
)

// selfishConfig builds a full mesh of one selfish pool (node 0, share a)
// and honest equal miners, where gamma comes from latencies alone:
//
//   - gamma 0: the pool hears blocks at once (1 ms) but its own reach the
//     honest nodes after 200 ms, later than any honest block (50 ms);
//   - gamma 1: the pool is 1 ms from everyone, so every honest node but the
//     finder hears the pool's block first;
//   - gamma 0.5: as 1 for half of the honest nodes, as 0 for the other half.
//
// The finder of an honest block always mines on its own, so with h honest
// miners the network's gamma for "1" is (h-1)/h; the tolerance accounts
// for it (see TestSelfishRevenue).
func selfishConfig(a, gamma float64, honest, blocks int) *Config {
	c := &Config{Nodes: honest + 1, LatencyMS: Latency{Value: 50}, BlockIntervalS: 600, Stop: Stop{Blocks: blocks}}
	c.Miners = append(c.Miners, Miner{Node: 0, Share: a, Strategy: StrategySelfish})
	for i := 1; i <= honest; i++ {
		c.Miners = append(c.Miners, Miner{Node: i, Share: (1 - a) / float64(honest), Strategy: StrategyHonest})
		c.Links = append(c.Links, Link{From: i, To: 0, LatencyMS: 1})
		near := gamma == 1 || (gamma == 0.5 && i <= honest/2)
		out := 200.0
		if near {
			out = 1
		}
		c.Links = append(c.Links, Link{From: 0, To: i, LatencyMS: out})
	}
	return c
}

// TestSelfishRevenue (issue 12, 5b): the revenue share of an SM1 pool
// against Eyal and Sirer's R(a, gamma).
//
// Tolerance, from the sample size: two sources of spread add up.
//   - The pool's realised share of the discoveries is binomial over the N
//     blocks mined, sqrt(a(1-a)/N), and R moves with it by dR/da (up to 4
//     at a = 0.45): the delta method gives dR/da * sqrt(a(1-a)/N).
//   - Given the discoveries, the outcomes on the main chain are correlated
//     (a lead of k blocks resolves k blocks at once): their spread is
//     estimated from the run by batch means (the main chain cut into 20
//     consecutive batches, sd/sqrt(20)), floored at the binomial
//     sqrt(R(1-R)/M) over the M main-chain blocks.
//
// The check allows z=4 of the combined standard error, plus the bias of a
// finite network: the finder of an honest block mines on it, so the
// network's gamma is at most (h-1)/h with h honest miners, and
// |R(a, gamma) - R(a, gamma (h-1)/h)| is added. Each point has its own seed.
// CI runs 3,000 blocks per point (in parallel); LAB_LONG=1 runs 40,000 blocks with 20
// honest miners at 15 points (about 10 minutes) and reports whether each is within the 0.01.
func TestSelfishRevenue(t *testing.T) {
	type point struct{ a, g float64 }
	points := []point{{0.1, 0}, {1.0 / 3, 0.5}, {0.45, 1}, {0.4, 0}}
	honest, blocks := 10, 3000
	if long() {
		points = nil
		for _, g := range []float64{0, 0.5, 1} {
			for _, a := range []float64{0.1, 0.25, 1.0 / 3, 0.4, 0.45} {
				points = append(points, point{a, g})
			}
		}
		honest, blocks = 20, 40000
	}
	for _, p := range points {
		t.Run(fmt.Sprintf("a=%.3f,g=%.1f", p.a, p.g), func(t *testing.T) {
			t.Parallel() // each run is its own Lab
			c := selfishConfig(p.a, p.g, honest, blocks)
			seed := int64(1000*p.a) + int64(10*p.g)
			c.Seed = &seed
			res := run(t, c, Options{})
			got := res.Summary.Miners[0].RevenueShare
			want := SelfishRevenue(p.a, p.g)
			se := revenueSE(res, p.a, p.g)
			bias := math.Abs(SelfishRevenue(p.a, p.g) - SelfishRevenue(p.a, p.g*float64(honest-1)/float64(honest)))
			tol := zTolerance*se + bias
			t.Logf("a=%.3f g=%.1f: revenue %.4f, Eyal-Sirer %.4f, tolerance %.4f (SE %.4f, %d main-chain blocks)",
				p.a, p.g, got, want, tol, se, res.Summary.MainChainBlocks)
			if math.Abs(got-want) > tol {
				t.Errorf("revenue share %.4f, want %.4f ± %.4f", got, want, tol)
			}
			if long() {
				// The 0.01 is reported, not enforced: at a = 0.45 one
				// standard error of 40,000 blocks is 0.013 (see README).
				t.Logf("within 0.01 of Eyal-Sirer: %v (off by %.4f, %.1f standard errors)", math.Abs(got-want) <= 0.01, math.Abs(got-want), math.Abs(got-want)/se)
			}
		})
	}
}

// TestSelfishThreshold: below (1-g)/(3-2g) the pool earns less than its
// share, above it more. CI checks a clear case on each side (a = 0.15 at
// gamma 0, threshold 1/3; a = 0.4 at gamma 1, threshold 0); LAB_LONG=1
// checks a = 0.25 and 0.40 around the gamma-0 threshold, and 0.2 and 0.3
// around the gamma-0.5 threshold (1/4), with 30,000 blocks. Each side is
// checked at z=4 standard errors (revenueSE).
func TestSelfishThreshold(t *testing.T) {
	type point struct{ a, g float64 }
	points, blocks := []point{{0.15, 0}, {0.4, 1}}, 2000
	if long() {
		points, blocks = []point{{0.25, 0}, {0.4, 0}, {0.2, 0.5}, {0.3, 0.5}}, 30000
	}
	for _, p := range points {
		t.Run(fmt.Sprintf("a=%.2f,g=%.1f", p.a, p.g), func(t *testing.T) {
			t.Parallel()
			thresholdPoint(t, p.a, p.g, blocks)
		})
	}
}

func thresholdPoint(t *testing.T, a, g float64, blocks int) {
	p := struct{ a, g float64 }{a, g}
	{
		c := selfishConfig(p.a, p.g, 10, blocks)
		seed := int64(7 + 1000*p.a + 10*p.g)
		c.Seed = &seed
		res := run(t, c, Options{})
		got := res.Summary.Miners[0].RevenueShare
		se := revenueSE(res, p.a, p.g)
		above := p.a > SelfishThreshold(p.g)
		t.Logf("a=%.2f g=%.1f: revenue %.4f (threshold %.4f, SE %.4f)", p.a, p.g, got, SelfishThreshold(p.g), se)
		if above && got < p.a+zTolerance*se || !above && got > p.a-zTolerance*se {
			t.Errorf("a=%.2f g=%.1f: revenue %.4f is not clearly on the %s side of a", p.a, p.g, got, map[bool]string{true: "winning", false: "losing"}[above])
		}
	}
}

// revenueSE is the standard error of the pool's revenue share (see
// TestSelfishRevenue): the delta method over the binomial count of the
// pool's discoveries, combined with the batch-means spread of the outcomes.
func revenueSE(res *Result, a, g float64) float64 {
	const h = 1e-4
	slope := (SelfishRevenue(a+h, g) - SelfishRevenue(a-h, g)) / (2 * h)
	share := slope * binomialSE(a, float64(res.Summary.BlocksMined))
	outcome := math.Max(batchSE(res, 0, 20), binomialSE(SelfishRevenue(a, g), float64(res.Summary.MainChainBlocks)))
	return math.Hypot(share, outcome)
}

// batchSE estimates the standard error of miner m's revenue share by batch
// means over the final main chain.
func batchSE(res *Result, m, batches int) float64 {
	var mine []bool
	for id, b := range res.lab.blocks {
		if res.main[id] && b.miner >= 0 {
			mine = append(mine, b.miner == m)
		}
	}
	size := len(mine) / batches
	if size == 0 {
		return 1
	}
	var shares []float64
	for k := 0; k < batches; k++ {
		c := 0
		for _, x := range mine[k*size : (k+1)*size] {
			if x {
				c++
			}
		}
		shares = append(shares, float64(c)/float64(size))
	}
	mean := 0.0
	for _, s := range shares {
		mean += s
	}
	mean /= float64(len(shares))
	v := 0.0
	for _, s := range shares {
		v += (s - mean) * (s - mean)
	}
	v /= float64(len(shares) - 1)
	return math.Sqrt(v / float64(len(shares)))
}
