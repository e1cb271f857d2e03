package lab

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"strings"
)

// ErrConfig is wrapped by every configuration error; the message names the
// field at fault.
var ErrConfig = errors.New("lab: bad config")

// Config is a laboratory run, as read from JSON (SPEC section 7). Zero
// values take the documented defaults (see Normalize).
type Config struct {
	Seed           *int64      `json:"seed,omitempty"`
	Nodes          int         `json:"nodes"`
	Topology       Topology    `json:"topology"`
	LatencyMS      Latency     `json:"latency_ms"`
	Links          []Link      `json:"links,omitempty"`
	BandwidthMbps  float64     `json:"bandwidth_mbps,omitempty"`
	BlockIntervalS float64     `json:"block_interval_s,omitempty"`
	Stop           Stop        `json:"stop"`
	Miners         []Miner     `json:"miners,omitempty"`
	Partitions     []Partition `json:"partitions,omitempty"`
	Churn          []Churn     `json:"churn,omitempty"`
	TxPerS         float64     `json:"tx_per_s,omitempty"`
}

// Topology says which nodes are linked.
type Topology struct {
	Kind   string   `json:"kind"` // full, ring, line, star, random-regular, edges
	Degree int      `json:"degree,omitempty"`
	Edges  [][2]int `json:"edges,omitempty"`
}

// Topology kinds.
const (
	TopoFull          = "full"
	TopoRing          = "ring"
	TopoLine          = "line"
	TopoStar          = "star"
	TopoRandomRegular = "random-regular"
	TopoEdges         = "edges"
)

// Latency is a one-way link latency in milliseconds: a constant, or a
// distribution from which each link draws its own constant latency.
type Latency struct {
	Dist   string  `json:"dist,omitempty"` // "" (constant), uniform, exponential, lognormal
	Value  float64 `json:"-"`              // the constant
	Min    float64 `json:"min,omitempty"`
	Max    float64 `json:"max,omitempty"`
	Mean   float64 `json:"mean,omitempty"`
	Median float64 `json:"median,omitempty"`
	Sigma  float64 `json:"sigma,omitempty"`
}

// UnmarshalJSON reads a number or a distribution object.
func (l *Latency) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) > 0 && b[0] != '{' {
		var v float64
		if err := json.Unmarshal(b, &v); err != nil {
			return fmt.Errorf("want a number of milliseconds or {\"dist\": ...}, got %s", b)
		}
		*l = Latency{Value: v}
		return nil
	}
	type plain Latency
	var p plain
	if err := strictDecode(b, &p); err != nil {
		return err
	}
	if p.Dist == "" {
		return fmt.Errorf("a latency object needs \"dist\" (uniform, exponential, lognormal)")
	}
	*l = Latency(p)
	return nil
}

// MarshalJSON writes the constant as a number.
func (l Latency) MarshalJSON() ([]byte, error) {
	if l.Dist == "" {
		return json.Marshal(l.Value)
	}
	type plain Latency
	return json.Marshal(plain(l))
}

// Link overrides the latency of one directed link.
type Link struct {
	From      int     `json:"from"`
	To        int     `json:"to"`
	LatencyMS float64 `json:"latency_ms"`
}

// Stop ends mining after a number of blocks or of virtual seconds.
type Stop struct {
	Blocks         int     `json:"blocks,omitempty"`
	VirtualSeconds float64 `json:"virtual_seconds,omitempty"`
}

// Miner gives a node a share of the hash power and a strategy.
type Miner struct {
	Node     int     `json:"node"`
	Share    float64 `json:"share"`
	Strategy string  `json:"strategy,omitempty"`
}

// Strategies of a miner.
const (
	StrategyHonest  = "honest"
	StrategySelfish = "selfish"
)

// Partition splits the network into groups between AtS and HealS.
type Partition struct {
	AtS    float64  `json:"at_s"`
	HealS  *float64 `json:"heal_s,omitempty"` // nil: never heals
	Groups [][]int  `json:"groups"`
}

// Churn takes a node off the network or brings it (back) on.
type Churn struct {
	AtS    float64 `json:"at_s"`
	Node   int     `json:"node"`
	Action string  `json:"action"` // leave, join
}

// Defaults.
const (
	DefaultSeed           = 1
	DefaultBlockInterval  = 600
	DefaultStopBlocks     = 2016
	maxNodes              = 100_000
	maxLatencyMS          = 3_600_000
	shareSumTolerance     = 1e-6
	maxVirtualSecondsStop = 1e10
)

// LoadConfig reads and checks a config file.
func LoadConfig(path string) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("lab: read config: %w", err)
	}
	c, err := ParseConfig(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return c, nil
}

// ParseConfig parses a JSON config (unknown fields refused with their
// name), fills the defaults and checks every value.
func ParseConfig(data []byte) (*Config, error) {
	var c Config
	if err := strictDecode(data, &c); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrConfig, err)
	}
	if err := c.Normalize(); err != nil {
		return nil, err
	}
	return &c, nil
}

// strictDecode decodes one JSON value refusing unknown fields and trailing
// data, with errors that name the field.
func strictDecode(data []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var typeErr *json.UnmarshalTypeError
		if errors.As(err, &typeErr) {
			return fmt.Errorf("field %q: want %s, got %s", typeErr.Field, typeErr.Type, typeErr.Value)
		}
		if msg, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
			return fmt.Errorf("unknown field %s", msg)
		}
		return err
	}
	if dec.More() {
		return errors.New("trailing data after the config object")
	}
	return nil
}

// SeedValue returns the run's seed (DefaultSeed when unset).
func (c *Config) SeedValue() int64 {
	if c.Seed == nil {
		return DefaultSeed
	}
	return *c.Seed
}

// Normalize fills the defaults and checks the config; the error names the
// field at fault. It is idempotent.
func (c *Config) Normalize() error {
	bad := func(field, format string, args ...any) error {
		return fmt.Errorf("%w: field %q: %s", ErrConfig, field, fmt.Sprintf(format, args...))
	}
	finite := func(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }
	if c.Nodes < 1 || c.Nodes > maxNodes {
		return bad("nodes", "want 1..%d nodes, got %d", maxNodes, c.Nodes)
	}
	n := c.Nodes
	inRange := func(i int) bool { return i >= 0 && i < n }
	if c.Topology.Kind == "" {
		c.Topology.Kind = TopoFull
	}
	switch c.Topology.Kind {
	case TopoFull, TopoRing, TopoLine, TopoStar:
	case TopoRandomRegular:
		k := c.Topology.Degree
		if k < 1 || k >= n {
			return bad("topology.degree", "random-regular needs 1 <= degree < nodes (%d), got %d", n, k)
		}
		if n*k%2 != 0 {
			return bad("topology.degree", "nodes x degree must be even for a regular graph (%d x %d)", n, k)
		}
	case TopoEdges:
		if len(c.Topology.Edges) == 0 {
			return bad("topology.edges", "kind \"edges\" needs at least one edge")
		}
		for i, e := range c.Topology.Edges {
			if !inRange(e[0]) || !inRange(e[1]) || e[0] == e[1] {
				return bad(fmt.Sprintf("topology.edges[%d]", i), "[%d, %d] is not a link between two nodes of 0..%d", e[0], e[1], n-1)
			}
		}
	default:
		return bad("topology.kind", "want full, ring, line, star, random-regular or edges, got %q", c.Topology.Kind)
	}
	if c.Topology.Kind != TopoRandomRegular && c.Topology.Degree != 0 {
		return bad("topology.degree", "only random-regular takes a degree")
	}
	if c.Topology.Kind != TopoEdges && len(c.Topology.Edges) != 0 {
		return bad("topology.edges", "only kind \"edges\" takes edges")
	}
	if err := c.LatencyMS.check(); err != nil {
		return bad("latency_ms", "%v", err)
	}
	for i, l := range c.Links {
		f := fmt.Sprintf("links[%d]", i)
		if !inRange(l.From) || !inRange(l.To) || l.From == l.To {
			return bad(f, "from %d to %d is not a link between two nodes of 0..%d", l.From, l.To, n-1)
		}
		if !finite(l.LatencyMS) || l.LatencyMS < 0 || l.LatencyMS > maxLatencyMS {
			return bad(f+".latency_ms", "want 0..%d ms, got %v", maxLatencyMS, l.LatencyMS)
		}
	}
	if !finite(c.BandwidthMbps) || c.BandwidthMbps < 0 {
		return bad("bandwidth_mbps", "want >= 0 (0 = unlimited), got %v", c.BandwidthMbps)
	}
	if c.BlockIntervalS == 0 {
		c.BlockIntervalS = DefaultBlockInterval
	}
	if !finite(c.BlockIntervalS) || c.BlockIntervalS < 0.001 || c.BlockIntervalS > 1e7 {
		return bad("block_interval_s", "want 0.001..1e7 seconds, got %v", c.BlockIntervalS)
	}
	switch {
	case c.Stop.Blocks == 0 && c.Stop.VirtualSeconds == 0:
		c.Stop.Blocks = DefaultStopBlocks
	case c.Stop.Blocks != 0 && c.Stop.VirtualSeconds != 0:
		return bad("stop", "give blocks or virtual_seconds, not both")
	case c.Stop.Blocks < 0 || c.Stop.Blocks > 10_000_000:
		return bad("stop.blocks", "want 1..10000000, got %d", c.Stop.Blocks)
	case !finite(c.Stop.VirtualSeconds) || c.Stop.VirtualSeconds < 0 || c.Stop.VirtualSeconds > maxVirtualSecondsStop:
		return bad("stop.virtual_seconds", "want 0..%g, got %v", maxVirtualSecondsStop, c.Stop.VirtualSeconds)
	}
	if err := c.checkMiners(bad, inRange, finite); err != nil {
		return err
	}
	for i, p := range c.Partitions {
		f := fmt.Sprintf("partitions[%d]", i)
		if !finite(p.AtS) || p.AtS < 0 {
			return bad(f+".at_s", "want a time >= 0, got %v", p.AtS)
		}
		if p.HealS != nil && (!finite(*p.HealS) || *p.HealS <= p.AtS) {
			return bad(f+".heal_s", "want a time after at_s (%v), got %v", p.AtS, *p.HealS)
		}
		if len(p.Groups) < 2 {
			return bad(f+".groups", "want at least two groups")
		}
		seen := map[int]bool{}
		for g, grp := range p.Groups {
			for _, node := range grp {
				if !inRange(node) {
					return bad(fmt.Sprintf("%s.groups[%d]", f, g), "node %d is not in 0..%d", node, n-1)
				}
				if seen[node] {
					return bad(fmt.Sprintf("%s.groups[%d]", f, g), "node %d is in two groups", node)
				}
				seen[node] = true
			}
		}
	}
	for i, ch := range c.Churn {
		f := fmt.Sprintf("churn[%d]", i)
		if !finite(ch.AtS) || ch.AtS < 0 {
			return bad(f+".at_s", "want a time >= 0, got %v", ch.AtS)
		}
		if !inRange(ch.Node) {
			return bad(f+".node", "node %d is not in 0..%d", ch.Node, n-1)
		}
		if ch.Action != "leave" && ch.Action != "join" {
			return bad(f+".action", "want leave or join, got %q", ch.Action)
		}
	}
	if !finite(c.TxPerS) || c.TxPerS < 0 || c.TxPerS > 10_000 {
		return bad("tx_per_s", "want 0..10000, got %v", c.TxPerS)
	}
	return nil
}

func (c *Config) checkMiners(bad func(string, string, ...any) error, inRange func(int) bool, finite func(float64) bool) error {
	if len(c.Miners) == 0 {
		c.Miners = make([]Miner, c.Nodes)
		for i := range c.Miners {
			c.Miners[i] = Miner{Node: i, Share: 1 / float64(c.Nodes), Strategy: StrategyHonest}
		}
		return nil
	}
	seen := map[int]bool{}
	sum := 0.0
	for i := range c.Miners {
		m := &c.Miners[i]
		f := fmt.Sprintf("miners[%d]", i)
		if !inRange(m.Node) {
			return bad(f+".node", "node %d is not in 0..%d", m.Node, c.Nodes-1)
		}
		if seen[m.Node] {
			return bad(f+".node", "node %d has two miners", m.Node)
		}
		seen[m.Node] = true
		if !finite(m.Share) || m.Share <= 0 || m.Share > 1 {
			return bad(f+".share", "want a share in (0, 1], got %v", m.Share)
		}
		sum += m.Share
		if m.Strategy == "" {
			m.Strategy = StrategyHonest
		}
		if _, ok := strategies[m.Strategy]; !ok {
			return bad(f+".strategy", "want one of %s, got %q", strategyNames(), m.Strategy)
		}
	}
	if math.Abs(sum-1) > shareSumTolerance {
		return bad("miners", "shares sum to %v, want 1", sum)
	}
	return nil
}

func (l *Latency) check() error {
	finite := func(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }
	okMS := func(v float64) bool { return finite(v) && v >= 0 && v <= maxLatencyMS }
	switch l.Dist {
	case "":
		if !okMS(l.Value) {
			return fmt.Errorf("want 0..%d ms, got %v", maxLatencyMS, l.Value)
		}
	case "uniform":
		if !okMS(l.Min) || !okMS(l.Max) || l.Max < l.Min {
			return fmt.Errorf("uniform wants 0 <= min <= max <= %d, got min %v max %v", maxLatencyMS, l.Min, l.Max)
		}
	case "exponential":
		if !okMS(l.Mean) || l.Mean == 0 {
			return fmt.Errorf("exponential wants a mean in (0, %d], got %v", maxLatencyMS, l.Mean)
		}
	case "lognormal":
		if !okMS(l.Median) || l.Median == 0 || !finite(l.Sigma) || l.Sigma < 0 || l.Sigma > 5 {
			return fmt.Errorf("lognormal wants median in (0, %d] and sigma in [0, 5], got median %v sigma %v", maxLatencyMS, l.Median, l.Sigma)
		}
	default:
		return fmt.Errorf("unknown dist %q (want uniform, exponential or lognormal)", l.Dist)
	}
	if l.Dist != "" && l.Value != 0 {
		return errors.New("a distribution takes no constant")
	}
	return nil
}
