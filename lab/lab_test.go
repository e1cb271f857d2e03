package lab

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"runtime"
	"strings"
	"testing"
)

// long reports whether the long variants run (LAB_LONG=1): the sample
// sizes that reach the tolerances take minutes.
func long() bool { return os.Getenv("LAB_LONG") != "" }

func mustConfig(t *testing.T, js string) *Config {
	t.Helper()
	c, err := ParseConfig([]byte(js))
	if err != nil {
		t.Fatalf("config: %v", err)
	}
	return c
}

func run(t *testing.T, c *Config, opt Options) *Result {
	t.Helper()
	l, err := New(c, opt)
	if err != nil {
		t.Fatal(err)
	}
	res, err := l.Run()
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func TestConfigErrorsNameTheField(t *testing.T) {
	for _, tc := range []struct{ js, want string }{
		{`{"nodes": 3, "latency": 5}`, `unknown field "latency"`},
		{`{"nodes": 3, "topology": {"kind": "full", "degre": 2}}`, `unknown field "degre"`},
		{`{"nodes": 3, "latency_ms": {"dist": "uniform", "mn": 1}}`, `unknown field "mn"`},
		{`{"nodes": 0}`, `"nodes"`},
		{`{"nodes": "3"}`, `field "nodes"`},
		{`{"nodes": 5, "topology": {"kind": "random-regular", "degree": 3}}`, `"topology.degree"`},
		{`{"nodes": 5, "topology": {"kind": "mesh"}}`, `"topology.kind"`},
		{`{"nodes": 3, "topology": {"kind": "edges", "edges": [[0, 3]]}}`, `"topology.edges[0]"`},
		{`{"nodes": 3, "latency_ms": -1}`, `"latency_ms"`},
		{`{"nodes": 3, "latency_ms": {"dist": "pareto", "mean": 3}}`, `"latency_ms"`},
		{`{"nodes": 3, "miners": [{"node": 0, "share": 0.5}]}`, `shares sum`},
		{`{"nodes": 3, "miners": [{"node": 0, "share": 1, "strategy": "stubborn"}]}`, `"miners[0].strategy"`},
		{`{"nodes": 3, "stop": {"blocks": 3, "virtual_seconds": 5}}`, `"stop"`},
		{`{"nodes": 3, "partitions": [{"at_s": 10, "heal_s": 5, "groups": [[0], [1]]}]}`, `"partitions[0].heal_s"`},
		{`{"nodes": 3, "partitions": [{"at_s": 1, "groups": [[0, 1], [1]]}]}`, `two groups`},
		{`{"nodes": 3, "churn": [{"at_s": 1, "node": 1, "action": "crash"}]}`, `"churn[0].action"`},
		{`{"nodes": 3} {}`, `trailing`},
		{`[1]`, `bad config`},
	} {
		_, err := ParseConfig([]byte(tc.js))
		if err == nil || !errors.Is(err, ErrConfig) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: got %v, want an ErrConfig naming %s", tc.js, err, tc.want)
		}
	}
}

func TestConfigDefaults(t *testing.T) {
	c := mustConfig(t, `{"nodes": 4}`)
	if c.SeedValue() != 1 || c.Topology.Kind != "full" || c.BlockIntervalS != 600 || c.Stop.Blocks != 2016 || len(c.Miners) != 4 {
		t.Fatalf("defaults: %+v", c)
	}
	if c.Miners[3].Share != 0.25 || c.Miners[3].Strategy != "honest" {
		t.Fatalf("default miners: %+v", c.Miners)
	}
}

func TestTopologies(t *testing.T) {
	for _, tc := range []struct {
		js    string
		edges int
	}{
		{`{"nodes": 6}`, 15},
		{`{"nodes": 6, "topology": {"kind": "ring"}}`, 6},
		{`{"nodes": 6, "topology": {"kind": "line"}}`, 5},
		{`{"nodes": 6, "topology": {"kind": "star"}}`, 5},
		{`{"nodes": 100, "topology": {"kind": "random-regular", "degree": 8}}`, 400},
		{`{"nodes": 4, "topology": {"kind": "edges", "edges": [[0, 1], [1, 0], [2, 3]]}}`, 2},
	} {
		c := mustConfig(t, tc.js)
		es, err := buildEdges(c, (&Lab{seed: 1}).rng(streamTopology, 0))
		if err != nil {
			t.Fatal(err)
		}
		if len(es) != tc.edges {
			t.Errorf("%s: %d edges, want %d", tc.js, len(es), tc.edges)
		}
		if c.Topology.Kind == TopoRandomRegular {
			deg := make([]int, c.Nodes)
			for _, e := range es {
				deg[e.a]++
				deg[e.b]++
			}
			for i, d := range deg {
				if d != c.Topology.Degree {
					t.Fatalf("node %d has degree %d", i, d)
				}
			}
		}
	}
}

// TestSameSeedSameBytes: the same config and seed give byte-identical
// summary and trace whatever GOMAXPROCS; another seed gives another run.
func TestSameSeedSameBytes(t *testing.T) {
	js := `{"nodes": 8, "topology": {"kind": "random-regular", "degree": 4},
		"latency_ms": {"dist": "lognormal", "median": 200, "sigma": 0.5}, "bandwidth_mbps": 1,
		"block_interval_s": 60, "stop": {"blocks": 40}, "tx_per_s": 0.05,
		"miners": [{"node": 0, "share": 0.35, "strategy": "selfish"}, {"node": 3, "share": 0.35}, {"node": 7, "share": 0.3}],
		"partitions": [{"at_s": 600, "heal_s": 1200, "groups": [[0, 1, 2, 3], [4, 5, 6, 7]]}],
		"churn": [{"at_s": 300, "node": 5, "action": "leave"}, {"at_s": 1500, "node": 5, "action": "join"}, {"at_s": 900, "node": 6, "action": "join"}]}`
	once := func(procs int, seed int64) (summary, trace []byte) {
		defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(procs))
		c := mustConfig(t, js)
		c.Seed = &seed
		var tr bytes.Buffer
		res := run(t, c, Options{Trace: &tr, TraceMessages: true})
		var sb bytes.Buffer
		if err := res.WriteSummary(&sb); err != nil {
			t.Fatal(err)
		}
		return sb.Bytes(), tr.Bytes()
	}
	s1, t1 := once(1, 7)
	s2, t2 := once(2, 7)
	if !bytes.Equal(s1, s2) || !bytes.Equal(t1, t2) {
		t.Fatalf("same seed, different bytes:\n%s\n%s", s1, s2)
	}
	s3, _ := once(2, 8)
	if bytes.Equal(s1, s3) {
		t.Fatal("another seed gave the same summary")
	}
	var s Summary
	if err := json.Unmarshal(s1, &s); err != nil {
		t.Fatal(err)
	}
	if !s.Converged || s.BlocksMined != 40 || s.Txs.Lost != 0 {
		t.Fatalf("summary: %s", s1)
	}
	for _, ev := range []string{`"event":"mined"`, `"event":"tip"`, `"event":"partition"`, `"event":"heal"`, `"event":"join"`, `"event":"leave"`, `"event":"sent"`, `"event":"received"`, `"event":"published"`} {
		if !bytes.Contains(t1, []byte(ev)) {
			t.Errorf("trace has no %s line", ev)
		}
	}
}

// TestLateJoinerSyncs: a node offline for the first 50 blocks joins and
// catches up through the protocol's headers-first sync.
func TestLateJoinerSyncs(t *testing.T) {
	c := mustConfig(t, `{"nodes": 5, "topology": {"kind": "line"}, "latency_ms": 50, "block_interval_s": 60,
		"stop": {"blocks": 60}, "miners": [{"node": 0, "share": 1}],
		"churn": [{"at_s": 3300, "node": 4, "action": "join"}]}`)
	res := run(t, c, Options{})
	s := res.Summary
	if !s.Converged || s.FinalHeight != 60 {
		t.Fatalf("converged %v at %d", s.Converged, s.FinalHeight)
	}
	if h, height := res.NodeTip(4); h.String() != s.FinalTip || height != 60 {
		t.Fatalf("late node at %d", height)
	}
}

// zTolerance is the number of standard errors every statistical check
// allows: a correct implementation fails one check in about 16,000.
const zTolerance = 4

// TestHonestStaleRate (issue 12, 5a): an honest full mesh with one-way
// latency d and block interval T has a stale rate close to
// (n-1)/n (1 - e^(-d/T)). The tolerance is z=4 binomial standard errors of
// the measured proportion: sqrt(p(1-p)/N) with p the expected rate and N
// the blocks mined.
func TestHonestStaleRate(t *testing.T) {
	ratios, blocks := []float64{0.01, 0.05}, 4000
	if long() {
		ratios, blocks = []float64{0.001, 0.005, 0.01, 0.02, 0.05}, 40000
	}
	// T = 600 s: at d/T = 0.05 a link takes 30 s one way, beyond the
	// node's request deadlines; the lab lengthens them by a round trip
	// over the slowest link (requestSlack).
	const n, interval = 10, 600.0
	for _, r := range ratios {
		t.Run(fmt.Sprintf("d/T=%g", r), func(t *testing.T) {
			t.Parallel()
			staleRatePoint(t, r, interval, n, blocks)
		})
	}
}

func staleRatePoint(t *testing.T, r, interval float64, n, blocks int) {
	{
		d := r * interval
		c := mustConfig(t, `{"nodes": 10, "block_interval_s": 600}`)
		c.LatencyMS = Latency{Value: d * 1000}
		c.Stop = Stop{Blocks: blocks}
		s := run(t, c, Options{}).Summary
		want := StaleRate(d, interval, n)
		tol := zTolerance * binomialSE(want, float64(s.BlocksMined))
		t.Logf("d/T %.3f: stale rate %.5f, analytic %.5f, tolerance %.5f (%d blocks)", r, s.StaleRate, want, tol, s.BlocksMined)
		if math.Abs(s.StaleRate-want) > tol {
			t.Errorf("d/T %.3f: stale rate %.5f, want %.5f ± %.5f", r, s.StaleRate, want, tol)
		}
		if !s.Converged {
			t.Errorf("d/T %.3f: not converged", r)
		}
	}
}
