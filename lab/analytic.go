package lab

import "math"

// SelfishRevenue is Eyal and Sirer's (2014) revenue share of a selfish pool
// with hash share a when a share g of the honest miners mines on the pool's
// block in a tie race:
//
//	R = [a(1-a)^2(4a + g(1-2a)) - a^3] / [1 - a(1 + (2-a)a)]
//
// Below the threshold (1-g)/(3-2g) the pool earns less than a (it would do
// better mining honestly); the formula is for the SM1 strategy.
func SelfishRevenue(a, g float64) float64 {
	return (a*(1-a)*(1-a)*(4*a+g*(1-2*a)) - a*a*a) / (1 - a*(1+(2-a)*a))
}

// SelfishThreshold is the hash share above which SM1 pays: (1-g)/(3-2g).
func SelfishThreshold(g float64) float64 { return (1 - g) / (3 - 2*g) }

// StaleRate is the expected share of stale blocks of an honest network
// whose blocks reach every node d seconds after they are found, with block
// interval t: a block is stale when another miner finds one within d. With
// n equal miners only (n-1)/n of the hash power can fork a block (the
// finder builds on its own): stale ≈ (n-1)/n · (1 - e^(-d/t)).
func StaleRate(d, t float64, n int) float64 {
	f := 1.0
	if n > 0 {
		f = float64(n-1) / float64(n)
	}
	return f * (1 - math.Exp(-d/t))
}

// binomialSE is the standard error of a proportion p measured over n
// trials: sqrt(p(1-p)/n).
func binomialSE(p, n float64) float64 {
	if n <= 0 {
		return 0
	}
	return math.Sqrt(math.Max(p*(1-p), 0) / n)
}
