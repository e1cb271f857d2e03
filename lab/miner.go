package lab

import (
	"fmt"
	"math/rand/v2"

	"github.com/devchain/devchain/chain"
	"github.com/devchain/devchain/consensus"
	"github.com/devchain/devchain/miner"
)

// miningState is the network's block discovery: a Poisson process of rate
// (online hash share) / block interval in virtual time. Each discovery goes
// to one online miner with probability proportional to its share, which is
// the same as every miner running its own exponential clock.
type miningState struct {
	rng     *rand.Rand
	gen     uint32 // the current draw: an evMine of an older draw is void
	stopped bool
	mined   int
}

// maxNonceTries bounds the nonce search of one block: at the pow limit a
// hash meets the target one time in two.
const maxNonceTries = 1 << 20

func (l *Lab) setupMiners() {
	l.mining.rng = l.rng(streamMining, 0)
	for i, m := range l.cfg.Miners {
		n := l.nodes[m.Node]
		n.miner = i
		n.strategy = strategies[m.Strategy]()
	}
}

func (l *Lab) scheduleMining() {
	if s := l.cfg.Stop.VirtualSeconds; s > 0 {
		l.q.push(event{t: usOf(s), kind: evStop})
	}
	l.drawNextBlock()
}

// drawNextBlock schedules the next discovery from now.
func (l *Lab) drawNextBlock() {
	if l.mining.stopped {
		return
	}
	share := l.onlineShare()
	if share <= 0 {
		return // nobody mines until a miner joins
	}
	delay := l.mining.rng.ExpFloat64() * l.cfg.BlockIntervalS / share
	l.q.push(event{t: l.now + max(1, usOf(delay)), kind: evMine, epoch: l.mining.gen})
}

// rescheduleMining draws again after the online hash power changed (the
// process is memoryless, so a fresh draw is exact).
func (l *Lab) rescheduleMining() {
	l.mining.gen++
	l.drawNextBlock()
}

func (l *Lab) onlineShare() float64 {
	s := 0.0
	for _, m := range l.cfg.Miners {
		if l.nodes[m.Node].online {
			s += m.Share
		}
	}
	return s
}

// mine handles a discovery: the chosen miner's node builds a block on its
// tip from its mempool, with real proof of work, and its strategy decides
// what to do with it.
func (l *Lab) mine(e event) error {
	if e.epoch != l.mining.gen || l.mining.stopped {
		return nil
	}
	u := l.mining.rng.Float64() * l.onlineShare()
	chosen := -1
	for i, m := range l.cfg.Miners {
		if !l.nodes[m.Node].online {
			continue
		}
		chosen = i
		if u < m.Share {
			break
		}
		u -= m.Share
	}
	n := l.nodes[l.cfg.Miners[chosen].Node]
	b, err := l.buildBlock(n)
	if err != nil {
		return err
	}
	id := l.record(b, chosen)
	l.mining.mined++
	r := l.blocks[id]
	l.trace.mined(l.now, n.idx, r.hash, b.Header.PrevBlock, r.height, l.cfg.Miners[chosen].Strategy)
	if err := n.strategy.found(l.serial, n, b); err != nil {
		return err
	}
	if l.cfg.Stop.Blocks > 0 && l.mining.mined >= l.cfg.Stop.Blocks {
		l.stopMining()
		return nil
	}
	l.drawNextBlock()
	return nil
}

// stopMining ends mining; strategies release what they hold.
func (l *Lab) stopMining() {
	if l.mining.stopped {
		return
	}
	l.mining.stopped = true
	for _, m := range l.cfg.Miners {
		n := l.nodes[m.Node]
		n.strategy.stop(l.serial, n)
	}
}

// maxCoinbaseBytes is the block space a template keeps for the header and
// the coinbase (as the node's template does).
const maxCoinbaseBytes = 1024

// buildBlock is the node's block template (engine tip, required bits,
// mempool selection, miner.NewBlock) solved with real proof of work.
func (l *Lab) buildBlock(n *simNode) (*chain.Block, error) {
	tip := n.engine.Tip()
	bits, err := n.engine.NextBits(tip.Hash)
	if err != nil {
		return nil, fmt.Errorf("lab: node %d: template: %w", n.idx, err)
	}
	txs, fees := n.pool.Template(l.params.MaxBlockBytes - maxCoinbaseBytes)
	b := miner.NewBlock(miner.TemplateInput{
		Params:     l.params,
		Parent:     tip.Hash,
		Height:     tip.Height + 1,
		Bits:       bits,
		MedianTime: tip.MedianTime,
		Now:        wall(l.now),
		Txs:        txs,
		Fees:       fees,
		PayTo:      n.payAddress(),
		ExtraNonce: uint64(len(l.blocks)),
	})
	for tries := 0; consensus.CheckProofOfWork(&b.Header, l.params.PowLimit) != nil; tries++ {
		if tries == maxNonceTries {
			return nil, fmt.Errorf("lab: node %d: no nonce found for a block at height %d", n.idx, tip.Height+1)
		}
		b.Header.Nonce++
	}
	return b, nil
}

// record adds a mined block to the lab's table.
func (l *Lab) record(b *chain.Block, minerIdx int) int32 {
	parent, ok := l.byHash[b.Header.PrevBlock]
	if !ok {
		parent = -1
	}
	height := uint32(0)
	if parent >= 0 {
		height = l.blocks[parent].height + 1
	}
	return l.addBlock(&blockRec{block: b, hash: b.Hash(), parent: parent, height: height, miner: minerIdx, foundAt: l.now})
}

// submitLocal gives a block of the node's own miner to its core, which
// stores and publishes it.
func (c *cursor) submitLocal(n *simNode, b *chain.Block) error {
	_, err := n.core.SubmitBlock(wall(c.now), b)
	c.apply(n)
	if err != nil {
		return fmt.Errorf("lab: node %d refused its own block %s: %w", n.idx, b.Hash(), err)
	}
	c.heldHash(c.l.hashOf(b), n.idx)
	return nil
}
