package lab

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"

	"github.com/devchain/devchain/chain"
)

// Result is a finished run.
type Result struct {
	Summary Summary
	lab     *Lab
	main    []bool // by block id: on the final main chain
}

// result computes the summary from the lab's records and the nodes' final
// state.
func (l *Lab) result() (*Result, error) {
	for _, r := range l.blocks {
		// Times were noted by node, and nodes stepped in parallel.
		slices.Sort(r.heldAt)
	}
	s := Summary{
		Seed:           l.seed,
		Nodes:          l.cfg.Nodes,
		VirtualSeconds: roundTo(float64(l.now)/1e6, 6),
		Events:         l.tally.events,
		BlocksMined:    len(l.blocks) - 1,
	}
	// The final tip: the one most nodes online at the end hold (all of
	// them when converged; a node that left keeps its old tip and is not
	// asked); on a tie the higher block, then the one of the lowest node.
	var voters []*simNode
	for _, n := range l.nodes {
		if n.online {
			voters = append(voters, n)
		}
	}
	if len(voters) == 0 {
		voters = l.nodes
	}
	count := map[chain.Hash]int{}
	for _, n := range voters {
		count[n.tip]++
	}
	best := voters[0]
	for _, n := range voters[1:] {
		c, bc := count[n.tip], count[best.tip]
		if c > bc || (c == bc && n.tipH > best.tipH) {
			best = n
		}
	}
	s.Converged = count[best.tip] == len(voters)
	s.FinalTip = best.tip.String()
	s.FinalHeight = best.tipH
	main := make([]bool, len(l.blocks))
	tipID, ok := l.byHash[best.tip]
	if !ok {
		return nil, fmt.Errorf("lab: final tip %s is no block the lab mined", best.tip)
	}
	for id := tipID; id >= 0; id = l.blocks[id].parent {
		main[id] = true
	}
	s.Miners = make([]MinerSummary, len(l.cfg.Miners))
	for i, m := range l.cfg.Miners {
		s.Miners[i] = MinerSummary{Node: m.Node, Strategy: m.Strategy, Share: m.Share}
	}
	var p50, p90, p100 []float64
	for id, r := range l.blocks {
		if r.miner < 0 {
			continue
		}
		ms := &s.Miners[r.miner]
		ms.Mined++
		if !main[id] {
			continue
		}
		ms.MainChainBlocks++
		s.MainChainBlocks++
		p50 = append(p50, l.reach(r, 0.5))
		p90 = append(p90, l.reach(r, 0.9))
		p100 = append(p100, l.reach(r, 1))
	}
	s.StaleBlocks = s.BlocksMined - s.MainChainBlocks
	if s.BlocksMined > 0 {
		s.StaleRate = roundTo(float64(s.StaleBlocks)/float64(s.BlocksMined), 9)
	}
	for i := range s.Miners {
		if s.MainChainBlocks > 0 {
			s.Miners[i].RevenueShare = roundTo(float64(s.Miners[i].MainChainBlocks)/float64(s.MainChainBlocks), 9)
		}
	}
	s.PropagationMS = Propagation{P50: roundTo(medianOf(p50), 3), P90: roundTo(medianOf(p90), 3), P100: roundTo(medianOf(p100), 3)}
	s.Reorgs = ReorgSummary{Count: l.tally.stats.reorgs, MaxDepth: l.tally.stats.maxDepth, DepthHistogram: map[string]int{}}
	for d, c := range l.tally.stats.depthHist {
		s.Reorgs.DepthHistogram[histogramKey(d)] = c
	}
	s.Txs = l.txSummary(main)
	s.Messages = MessageSummary{Sent: l.tally.stats.sent, Delivered: l.tally.stats.delivered, Dropped: l.tally.stats.dropped, Bytes: l.tally.stats.bytes, Duplicates: l.tally.stats.duplicates}
	l.mainSet = main
	return &Result{Summary: s, lab: l, main: main}, nil
}

// reach is the time in milliseconds from a block's discovery until a share
// frac of the nodes held it, counting the nodes online at the end (a node
// that left cannot hold later blocks); -1 when that many never did.
func (l *Lab) reach(r *blockRec, frac float64) float64 {
	online := 0
	for _, n := range l.nodes {
		if n.online {
			online++
		}
	}
	need := int(frac*float64(online) + 0.999999)
	need = max(need, 1)
	if len(r.heldAt) < need {
		return -1
	}
	return float64(r.heldAt[need-1]-r.foundAt) / 1000
}

func (l *Lab) txSummary(main []bool) TxSummary {
	w := l.wallet
	if w == nil {
		return TxSummary{}
	}
	confirmed := map[chain.Hash]bool{}
	for id, r := range l.blocks {
		if main[id] && r.miner >= 0 {
			for _, tx := range r.block.Transactions[1:] {
				confirmed[tx.TxID()] = true
			}
		}
	}
	var s TxSummary
	for _, t := range w.sent {
		s.Submitted++
		switch {
		case confirmed[t.txid]:
			s.Confirmed++
		case l.inSomeMempool(t.txid):
			s.Pending++
		default:
			s.Lost++
		}
	}
	return s
}

func (l *Lab) inSomeMempool(txid chain.Hash) bool {
	for _, n := range l.nodes {
		if n.pool.Has(txid) {
			return true
		}
	}
	return false
}

// Confirmed reports whether a transaction the lab sent is in the final main
// chain; InMempool whether node i's mempool holds it.
func (r *Result) Confirmed(txid chain.Hash) bool {
	for id, b := range r.lab.blocks {
		if r.main[id] && b.miner >= 0 {
			for _, tx := range b.block.Transactions[1:] {
				if tx.TxID() == txid {
					return true
				}
			}
		}
	}
	return false
}

// Node gives read access to a node's state after the run (tests).
func (r *Result) NodeTip(i int) (chain.Hash, uint32) {
	n := r.lab.nodes[i]
	return n.tip, n.tipH
}

// BlockMiner returns the node that mined a block, or -1 (genesis, unknown).
func (r *Result) BlockMiner(h chain.Hash) int {
	id, ok := r.lab.byHash[h]
	if !ok || r.lab.blocks[id].miner < 0 {
		return -1
	}
	return r.lab.cfg.Miners[r.lab.blocks[id].miner].Node
}

// OnMainChain reports whether a block is on the final main chain.
func (r *Result) OnMainChain(h chain.Hash) bool {
	id, ok := r.lab.byHash[h]
	return ok && r.main[id]
}

// SentTxs returns the transactions the lab's wallets submitted, with the
// node each went to, in order.
func (r *Result) SentTxs() (txids []chain.Hash, nodes []int) {
	if r.lab.wallet == nil {
		return nil, nil
	}
	for _, t := range r.lab.wallet.sent {
		txids = append(txids, t.txid)
		nodes = append(nodes, t.node)
	}
	return txids, nodes
}

// Blocks returns the mined blocks' hashes in the order found, with their
// miner node and the virtual time of discovery in microseconds.
func (r *Result) Blocks() (hashes []chain.Hash, miners []int, foundUS []int64) {
	for _, b := range r.lab.blocks[1:] {
		hashes = append(hashes, b.hash)
		miners = append(miners, r.lab.cfg.Miners[b.miner].Node)
		foundUS = append(foundUS, b.foundAt)
	}
	return hashes, miners, foundUS
}

// WriteSummary writes summary.json (indented, a final newline).
func (r *Result) WriteSummary(w io.Writer) error {
	data, err := json.MarshalIndent(r.Summary, "", "  ")
	if err != nil {
		return err
	}
	_, err = w.Write(append(data, '\n'))
	return err
}

// WriteTreeSVG draws the block tree.
func (r *Result) WriteTreeSVG(w io.Writer) error {
	blocks := make([]treeBlock, len(r.lab.blocks))
	for id, b := range r.lab.blocks {
		blocks[id] = treeBlock{id: id, parent: int(b.parent), height: b.height, miner: b.miner, main: r.main[id],
			hash: b.hash.String(), reorgsTo: b.reorgsTo, maxDepth: b.maxDepth}
	}
	return writeTreeSVG(w, blocks, r.Summary.Miners)
}

// RunToDir runs cfg and writes summary.json, trace.jsonl and tree.svg to
// dir (created when missing).
func RunToDir(cfg *Config, dir string, opt Options) (*Result, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("lab: output dir: %w", err)
	}
	tf, err := os.Create(filepath.Join(dir, "trace.jsonl"))
	if err != nil {
		return nil, fmt.Errorf("lab: trace: %w", err)
	}
	defer tf.Close()
	opt.Trace = tf
	l, err := New(cfg, opt)
	if err != nil {
		return nil, err
	}
	res, err := l.Run()
	if err != nil {
		return nil, err
	}
	if err := tf.Close(); err != nil {
		return nil, fmt.Errorf("lab: trace: %w", err)
	}
	var buf bytes.Buffer
	if err := res.WriteSummary(&buf); err != nil {
		return nil, err
	}
	if err := os.WriteFile(filepath.Join(dir, "summary.json"), buf.Bytes(), 0o644); err != nil {
		return nil, fmt.Errorf("lab: summary: %w", err)
	}
	buf.Reset()
	if err := res.WriteTreeSVG(&buf); err != nil {
		return nil, err
	}
	if err := os.WriteFile(filepath.Join(dir, "tree.svg"), buf.Bytes(), 0o644); err != nil {
		return nil, fmt.Errorf("lab: tree: %w", err)
	}
	return res, nil
}

// confirmedOffMain reports whether a stale block holds the transaction.
func (l *Lab) confirmedOffMain(txid chain.Hash) bool {
	for _, b := range l.blocks {
		if b.miner < 0 {
			continue
		}
		for _, tx := range b.block.Transactions[1:] {
			if tx.TxID() == txid && !l.mainSet[l.byHash[b.hash]] {
				return true
			}
		}
	}
	return false
}
