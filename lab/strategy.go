package lab

import (
	"fmt"
	"slices"
	"strings"

	"github.com/devchain/devchain/chain"
	"github.com/devchain/devchain/consensus"
	"github.com/devchain/devchain/protocol"
)

// strategy is a miner's policy: what its node does with a block its miner
// found, and how it reacts to blocks it hears from peers. The node mines on
// its engine's tip in every strategy; a strategy only decides when blocks
// are published. New strategies (stubborn mining, ...) register here.
type strategy interface {
	// found: the node's miner found b on the node's tip.
	found(c *cursor, n *simNode, b *chain.Block) error
	// heard: a message from a peer brought these blocks (the core has
	// handled it already).
	heard(c *cursor, n *simNode, blocks []*chain.Block)
	// stop: mining ended.
	stop(c *cursor, n *simNode)
	// relays reports whether the node relays a block a peer sent it
	// (the core accepted it and asked to relay it).
	relays(b *chain.Block) bool
	// outgoing may change or drop a message the node's core sends a peer
	// (an attacker's node does not serve what it withholds).
	outgoing(n *simNode, m protocol.Message) (protocol.Message, bool)
}

var strategies = map[string]func() strategy{
	StrategyHonest:  func() strategy { return honest{} },
	StrategySelfish: func() strategy { return &selfish{} },
}

func strategyNames() string {
	var names []string
	for k := range strategies {
		names = append(names, k)
	}
	slices.Sort(names)
	return strings.Join(names, ", ")
}

// honest publishes every block at once: the node's own mining path.
type honest struct{}

func (honest) found(c *cursor, n *simNode, b *chain.Block) error { return c.submitLocal(n, b) }
func (honest) heard(*cursor, *simNode, []*chain.Block)           {}
func (honest) stop(*cursor, *simNode)                            {}
func (honest) relays(*chain.Block) bool                          { return true }
func (honest) outgoing(_ *simNode, m protocol.Message) (protocol.Message, bool) {
	return m, true
}

// selfish is Eyal and Sirer's SM1 (2014, Algorithm 1). The pool's blocks go
// to its own engine at once (it mines on them) but reach the network only
// when the algorithm publishes them. The pool mines on its engine's tip:
// its own blocks were seen first there and win ties, and the engine's fork
// choice moves to the public chain when that gets ahead, as SM1 adopts it.
// The public height is the highest block the pool heard from peers or
// published; it reacts when it hears a block, latency included.
type selfish struct {
	withheld   []*chain.Block // found, not yet published, oldest first
	privHeight uint32         // the tip of the pool's branch
	pubHeight  uint32         // the public chain's tip as the pool knows it
	race       bool           // a published branch ties the public one
	seen       map[chain.Hash]uint32
	secret     map[chain.Hash]bool // the withheld blocks, by hash
}

// heightOf is the height of a block heard from a peer: from the engine, or
// from the parent's height the pool heard before; false when the parent is
// unknown (the core fetches it, and the pool hears it then).
func (s *selfish) heightOf(n *simNode, b *chain.Block) (uint32, bool) {
	if s.seen == nil {
		s.seen = map[chain.Hash]uint32{}
	}
	if info, ok := n.engine.BlockInfo(b.Header.PrevBlock); ok {
		return info.Height + 1, true
	}
	h, ok := s.seen[b.Header.PrevBlock]
	return h + 1, ok
}

func (s *selfish) found(c *cursor, n *simNode, b *chain.Block) error {
	delta := int(s.privHeight) - int(s.pubHeight)
	// The block joins the pool's chain without being gossiped: the path of
	// a change made outside the protocol, which still tells the mempool.
	res, err := n.core.ChangeChain(wall(c.now), func(e *consensus.Engine) (*consensus.Result, error) {
		return e.ProcessBlock(b, wall(c.now))
	})
	c.apply(n)
	if err != nil || res.Status != consensus.StatusMainChain {
		return fmt.Errorf("lab: selfish node %d could not build on its own block %s: %v (%v)", n.idx, b.Hash(), err, res.Status)
	}
	c.heldHash(b.Hash(), n.idx)
	s.withheld = append(s.withheld, b)
	if s.secret == nil {
		s.secret = map[chain.Hash]bool{}
	}
	s.secret[b.Hash()] = true
	s.privHeight = n.engine.Height()
	if delta == 0 && s.race {
		// Ahead by one after a tie: publish all, the honest miners switch.
		s.publishAll(c, n)
		s.race = false
	}
	return nil
}

func (s *selfish) heard(c *cursor, n *simNode, blocks []*chain.Block) {
	for _, b := range blocks {
		// While the pool is ahead its core drops public blocks with less
		// work than its tip, so the pool keeps the heights of the blocks
		// it heard itself (as a pool's block watcher does).
		height, ok := s.heightOf(n, b)
		if !ok {
			continue
		}
		s.seen[b.Hash()] = height
		if height <= s.pubHeight {
			continue
		}
		// The others found blocks: react once per height gained.
		for s.pubHeight < height {
			delta := int(s.privHeight) - int(s.pubHeight)
			s.pubHeight++
			s.onPublicBlock(c, n, delta)
		}
	}
}

// onPublicBlock is SM1's reaction to a public block, given the private
// lead before it.
func (s *selfish) onPublicBlock(c *cursor, n *simNode, delta int) {
	switch {
	case delta <= 0:
		// Adopt the public chain (the engine already follows it): what was
		// withheld is abandoned (and stays secret).
		s.withheld = nil
		s.race = false
		s.privHeight = s.pubHeight
	case delta == 1:
		// Publish the last block: a tie race; gamma is the share of honest
		// hash power that hears it first.
		s.publishAll(c, n)
		s.race = true
	case delta == 2:
		// Publish everything: longer by one, the pool wins.
		s.publishAll(c, n)
		s.race = false
	default:
		// Publish the first unpublished block, the one at the public height.
		s.publishUpTo(c, n, s.pubHeight)
	}
}

func (s *selfish) publishAll(c *cursor, n *simNode) {
	for _, b := range s.withheld {
		c.release(n, b)
	}
	s.withheld = nil
	s.pubHeight = max(s.pubHeight, s.privHeight)
}

// publishUpTo publishes the withheld blocks up to height h.
func (s *selfish) publishUpTo(c *cursor, n *simNode, h uint32) {
	for len(s.withheld) > 0 && s.withheld[0].Transactions[0].CoinbaseHeight() <= h {
		c.release(n, s.withheld[0])
		s.withheld = s.withheld[1:]
	}
}

// relays: a pool does not help competing blocks along (relaying the
// honest block that starts a tie race ahead of its own would hand the race
// to the honest branch); its own blocks it publishes itself.
func (s *selfish) relays(*chain.Block) bool { return false }

// outgoing keeps the private branch private: the pool's status names its
// last public block, and headers and blocks it serves stop before the
// first withheld one (SM1's pool shows the network only what it
// published).
func (s *selfish) outgoing(n *simNode, m protocol.Message) (protocol.Message, bool) {
	if len(s.secret) == 0 {
		return m, true
	}
	switch m := m.(type) {
	case protocol.Status:
		h := m.Tip
		for s.secret[h] {
			info, ok := n.engine.BlockInfo(h)
			if !ok {
				break
			}
			h = info.Header.PrevBlock
		}
		if info, ok := n.engine.BlockInfo(h); ok && h != m.Tip {
			m.Tip, m.Height, m.Work = h, info.Height, info.ChainWork
		}
		return m, true
	case protocol.Headers:
		for i, hd := range m.Headers {
			if s.secret[hd.Hash()] {
				m.Headers = m.Headers[:i:i]
				break
			}
		}
		return m, true
	case protocol.Blocks:
		for i, b := range m.Blocks {
			if s.secret[b.Hash()] {
				m.Blocks = m.Blocks[:i:i]
				break
			}
		}
		return m, true
	}
	return m, true
}

// stop publishes what is still withheld: a private block kept after mining
// ends can only be lost.
func (s *selfish) stop(c *cursor, n *simNode) {
	s.publishAll(c, n)
}

// release publishes a withheld block: the driver gossips it exactly as it
// carries out the core's Publish of a block of local origin.
func (c *cursor) release(n *simNode, b *chain.Block) {
	if sm, ok := n.strategy.(*selfish); ok {
		delete(sm.secret, b.Hash())
	}
	c.trace.published(c.now, n.idx, b.Hash())
	c.publish(n, protocol.NewBlock{Block: b}, -1)
}
