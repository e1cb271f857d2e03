package lab

import (
	"math"
	"slices"
	"strconv"
)

// Summary is summary.json (SPEC section 7). Every figure is computed from
// the run's virtual events only, so it is byte-reproducible; wall-clock
// figures go to Stats.
type Summary struct {
	Seed            int64          `json:"seed"`
	Nodes           int            `json:"nodes"`
	VirtualSeconds  float64        `json:"virtual_seconds"`
	Events          uint64         `json:"events"`
	BlocksMined     int            `json:"blocks_mined"`
	MainChainBlocks int            `json:"main_chain_blocks"`
	StaleBlocks     int            `json:"stale_blocks"`
	StaleRate       float64        `json:"stale_rate"`
	Reorgs          ReorgSummary   `json:"reorgs"`
	PropagationMS   Propagation    `json:"propagation_ms"`
	Miners          []MinerSummary `json:"miners"`
	Converged       bool           `json:"converged"`
	FinalTip        string         `json:"final_tip"`
	FinalHeight     uint32         `json:"final_height"`
	Txs             TxSummary      `json:"txs"`
	Messages        MessageSummary `json:"messages"`
}

// ReorgSummary counts tip changes that disconnected blocks, over every node.
type ReorgSummary struct {
	Count          int            `json:"count"`
	MaxDepth       int            `json:"max_depth"`
	DepthHistogram map[string]int `json:"depth_histogram"`
}

// Propagation is, over the main-chain blocks, the median time until 50%,
// 90% and 100% of the nodes held a block.
type Propagation struct {
	P50  float64 `json:"p50"`
	P90  float64 `json:"p90"`
	P100 float64 `json:"p100"`
}

// MinerSummary is one miner's outcome.
type MinerSummary struct {
	Node            int     `json:"node"`
	Strategy        string  `json:"strategy"`
	Share           float64 `json:"share"`
	Mined           int     `json:"mined"`
	MainChainBlocks int     `json:"main_chain_blocks"`
	RevenueShare    float64 `json:"revenue_share"`
}

// TxSummary follows the transactions the lab's wallets sent: confirmed on
// the final main chain, or lost (neither confirmed nor waiting in the
// mempool of any node).
type TxSummary struct {
	Submitted int `json:"submitted"`
	Confirmed int `json:"confirmed"`
	Pending   int `json:"pending"`
	Lost      int `json:"lost"`
}

// MessageSummary counts the messages the network carried.
type MessageSummary struct {
	Sent      uint64 `json:"sent"`
	Delivered uint64 `json:"delivered"`
	Dropped   uint64 `json:"dropped"`
	Bytes     uint64 `json:"bytes"`
	// Duplicates are gossip messages a node had already received (its
	// driver's seen cache kept them from the core, as GossipSub's does).
	Duplicates uint64 `json:"duplicates"`
}

func histogramKey(depth int) string { return strconv.Itoa(depth) }

// roundTo keeps d decimals, so summary.json does not carry float noise.
func roundTo(v float64, d int) float64 {
	p := math.Pow(10, float64(d))
	return math.Round(v*p) / p
}

// medianOf returns the median of vs (the mean of the middle two for an
// even count), 0 for none.
func medianOf(vs []float64) float64 {
	if len(vs) == 0 {
		return 0
	}
	s := slices.Clone(vs)
	slices.Sort(s)
	m := len(s) / 2
	if len(s)%2 == 1 {
		return s[m]
	}
	return (s[m-1] + s[m]) / 2
}
