package lab

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
)

// edge is an undirected link a < b.
type edge struct{ a, b int }

// buildEdges returns the config's undirected links, sorted, without
// duplicates. random-regular draws from rng.
func buildEdges(c *Config, rng *rand.Rand) ([]edge, error) {
	n := c.Nodes
	var es []edge
	add := func(a, b int) {
		if a > b {
			a, b = b, a
		}
		es = append(es, edge{a, b})
	}
	switch c.Topology.Kind {
	case TopoFull:
		for a := 0; a < n; a++ {
			for b := a + 1; b < n; b++ {
				add(a, b)
			}
		}
	case TopoRing:
		for a := 0; a+1 < n; a++ {
			add(a, a+1)
		}
		if n > 2 {
			add(n-1, 0)
		}
	case TopoLine:
		for a := 0; a+1 < n; a++ {
			add(a, a+1)
		}
	case TopoStar:
		for b := 1; b < n; b++ {
			add(0, b)
		}
	case TopoRandomRegular:
		var err error
		if es, err = randomRegular(n, c.Topology.Degree, rng); err != nil {
			return nil, err
		}
	case TopoEdges:
		for _, e := range c.Topology.Edges {
			add(e[0], e[1])
		}
	}
	slices.SortFunc(es, func(x, y edge) int {
		if x.a != y.a {
			return x.a - y.a
		}
		return x.b - y.b
	})
	return slices.Compact(es), nil
}

// randomRegular draws a simple k-regular graph on n nodes by pairing
// half-edges at random and refusing loops and repeated links (Steger and
// Wormald's algorithm); a pairing that gets stuck starts over.
func randomRegular(n, k int, rng *rand.Rand) ([]edge, error) {
	for attempt := 0; attempt < 100; attempt++ {
		stubs := make([]int, 0, n*k)
		for v := 0; v < n; v++ {
			for j := 0; j < k; j++ {
				stubs = append(stubs, v)
			}
		}
		adj := make([]map[int]bool, n)
		for v := range adj {
			adj[v] = make(map[int]bool, k)
		}
		es := make([]edge, 0, n*k/2)
		stuck := false
		for len(stubs) > 0 && !stuck {
			tries := 0
			for {
				i, j := rng.IntN(len(stubs)), rng.IntN(len(stubs))
				a, b := stubs[i], stubs[j]
				if i != j && a != b && !adj[a][b] {
					adj[a][b], adj[b][a] = true, true
					if a > b {
						a, b = b, a
					}
					es = append(es, edge{a, b})
					// Remove both stubs (the larger index first).
					if i < j {
						i, j = j, i
					}
					stubs[i] = stubs[len(stubs)-1]
					stubs = stubs[:len(stubs)-1]
					stubs[j] = stubs[len(stubs)-1]
					stubs = stubs[:len(stubs)-1]
					break
				}
				if tries++; tries > 50*len(stubs)+100 {
					stuck = true
					break
				}
			}
		}
		if !stuck {
			return es, nil
		}
	}
	return nil, fmt.Errorf("%w: field \"topology\": no random %d-regular graph on %d nodes found", ErrConfig, k, n)
}

// drawLatencyUS draws one link's one-way latency in microseconds.
func drawLatencyUS(l Latency, rng *rand.Rand) int64 {
	var ms float64
	switch l.Dist {
	case "":
		ms = l.Value
	case "uniform":
		ms = l.Min + (l.Max-l.Min)*rng.Float64()
	case "exponential":
		ms = l.Mean * rng.ExpFloat64()
	case "lognormal":
		ms = l.Median * math.Exp(l.Sigma*rng.NormFloat64())
	}
	return msToUS(min(ms, maxLatencyMS))
}

func msToUS(ms float64) int64 { return int64(math.Round(ms * 1000)) }
