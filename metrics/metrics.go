// Package metrics is a node's Prometheus instrumentation: what its chain,
// mempool and peers look like (read when scraped) and what happened to
// them (counted as it happens), on one registry that also carries libp2p's
// own metrics, the Go runtime's and the process's. Server serves the
// registry in the Prometheus text format at /metrics.
//
// Every name starts with devchain_. A nil *Metrics is valid and counts
// nothing, so a node without --metrics calls the same methods.
package metrics

import (
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
)

// Sources are read at each scrape: the node's state now.
type Sources struct {
	// Height is the active chain's height.
	Height func() float64
	// Tips counts the chain tips by getchaintips status (active,
	// valid-fork, invalid, headers-only).
	Tips func() map[string]int
	// MempoolTransactions and MempoolBytes describe the mempool.
	MempoolTransactions func() float64
	MempoolBytes        func() float64
	// Peers is the number of connected peers.
	Peers func() float64
	// EventSubscribers is the number of open event streams;
	// EventsDropped how many were dropped for falling behind (a counter).
	EventSubscribers func() float64
	EventsDropped    func() float64
	// RejectReasons are the reasons devchain_blocks_rejected_total starts
	// with at 0, so that the series exist before the first rejection.
	RejectReasons []string
}

// Metrics counts what happens to a node's chain and mempool.
type Metrics struct {
	registry *prometheus.Registry

	reorgs       prometheus.Counter
	reorgDepth   prometheus.Histogram
	connected    prometheus.Counter
	disconnected prometheus.Counter
	sideBlocks   prometheus.Counter
	rejected     *prometheus.CounterVec
	txsAccepted  prometheus.Counter
}

// tipStatuses are getchaintips' statuses: each is exported (0 when no tip
// has it) so that a dashboard's series do not come and go.
var tipStatuses = []string{"active", "valid-fork", "invalid", "headers-only"}

// New returns metrics registered on a new registry with src's gauges.
func New(src Sources) *Metrics {
	reg := prometheus.NewRegistry()
	m := &Metrics{
		registry: reg,
		reorgs: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "devchain_reorgs_total",
			Help: "Changes of the active chain that disconnected at least one block.",
		}),
		reorgDepth: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "devchain_reorg_depth",
			Help:    "Blocks disconnected by each reorg.",
			Buckets: []float64{1, 2, 3, 4, 6, 10, 20, 50, 100, 1000},
		}),
		connected: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "devchain_blocks_connected_total",
			Help: "Blocks that joined the active chain (again, after a reorg).",
		}),
		disconnected: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "devchain_blocks_disconnected_total",
			Help: "Blocks that left the active chain in reorgs or by invalidateblock.",
		}),
		sideBlocks: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "devchain_side_blocks_total",
			Help: "Valid blocks stored on a branch with no more work than the active chain.",
		}),
		rejected: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "devchain_blocks_rejected_total",
			Help: "Blocks refused by a consensus rule, by Bitcoin Core's reject reason.",
		}, []string{"reason"}),
		txsAccepted: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "devchain_mempool_accepted_total",
			Help: "Transactions that entered the mempool.",
		}),
	}
	reg.MustRegister(m.reorgs, m.reorgDepth, m.connected, m.disconnected, m.sideBlocks, m.rejected,
		m.txsAccepted,
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	for _, r := range src.RejectReasons {
		m.rejected.WithLabelValues(r)
	}
	gauge := func(name, help string, f func() float64) {
		if f != nil {
			reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: name, Help: help}, f))
		}
	}
	gauge("devchain_chain_height", "Height of the active chain's tip.", src.Height)
	gauge("devchain_mempool_transactions", "Transactions in the mempool.", src.MempoolTransactions)
	gauge("devchain_mempool_bytes", "Serialized size of the mempool's transactions.", src.MempoolBytes)
	gauge("devchain_peers", "Connected peers.", src.Peers)
	gauge("devchain_event_subscribers", "Open event streams (GET /events).", src.EventSubscribers)
	if src.EventsDropped != nil {
		reg.MustRegister(prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "devchain_event_subscribers_dropped_total",
			Help: "Event streams ended because their subscriber fell behind."}, src.EventsDropped))
	}
	if src.Tips != nil {
		reg.MustRegister(tipsCollector{tips: src.Tips, desc: prometheus.NewDesc("devchain_chain_tips",
			"Chain tips by getchaintips status.", []string{"status"}, nil)})
	}
	return m
}

// Registerer is where other parts (libp2p) register their metrics; nil for
// a nil Metrics.
func (m *Metrics) Registerer() prometheus.Registerer {
	if m == nil {
		return nil
	}
	return m.registry
}

// Gatherer returns the registry, for serving or tests.
func (m *Metrics) Gatherer() prometheus.Gatherer { return m.registry }

// ChainChanged counts a change of the active chain: disconnected blocks
// left it, connected joined it. A change that disconnects is a reorg.
func (m *Metrics) ChainChanged(disconnected, connected int) {
	if m == nil {
		return
	}
	m.connected.Add(float64(connected))
	m.disconnected.Add(float64(disconnected))
	if disconnected > 0 {
		m.reorgs.Inc()
		m.reorgDepth.Observe(float64(disconnected))
	}
}

// SideBlock counts a valid block stored off the active chain.
func (m *Metrics) SideBlock() {
	if m != nil {
		m.sideBlocks.Inc()
	}
}

// BlockRejected counts a block refused for reason (a Core reject string,
// from a bounded set).
func (m *Metrics) BlockRejected(reason string) {
	if m != nil {
		m.rejected.WithLabelValues(reason).Inc()
	}
}

// TxsAccepted counts transactions that entered the mempool.
func (m *Metrics) TxsAccepted(n int) {
	if m != nil {
		m.txsAccepted.Add(float64(n))
	}
}

// tipsCollector reports the chain tips by status at each scrape.
type tipsCollector struct {
	tips func() map[string]int
	desc *prometheus.Desc
}

func (c tipsCollector) Describe(ch chan<- *prometheus.Desc) { ch <- c.desc }

func (c tipsCollector) Collect(ch chan<- prometheus.Metric) {
	counts := c.tips()
	for _, s := range tipStatuses {
		ch <- prometheus.MustNewConstMetric(c.desc, prometheus.GaugeValue, float64(counts[s]), s)
	}
}
