package consensus

import (
	"errors"
	"fmt"
	"slices"

	"github.com/devchain/devchain/chain"
	"github.com/devchain/devchain/consensus/store"
)

// failure is a block found invalid while connecting it.
type failure struct {
	node *blockNode
	err  *RuleError
}

// activateBestChain moves the active chain to the best candidate: it
// disconnects down to the fork point and connects the new branch block by
// block, each step one atomic store update. When a block of the branch turns
// out invalid it is marked with its descendants and the search starts over,
// so the engine ends on the best valid chain (possibly the one it left).
func (e *Engine) activateBestChain() ([]failure, error) {
	var failures []failure
	for {
		best := e.bestCandidate()
		if best == nil || best == e.tip() {
			return failures, nil
		}
		fork := findFork(e.tip(), best)
		for e.tip() != fork {
			if err := e.disconnectTip(); err != nil {
				return failures, err
			}
		}
		for _, n := range branch(fork, best) {
			err := e.connectBlock(n)
			if err == nil {
				continue
			}
			re, ok := errors.AsType[*RuleError](err)
			if !ok {
				return failures, err
			}
			failures = append(failures, failure{node: n, err: re})
			if err := e.markFailed(n, store.StatusFailed); err != nil {
				return failures, err
			}
			e.rebuildCandidates()
			break
		}
		e.pruneCandidates()
	}
}

// branch returns the blocks after fork up to tip, oldest first.
func branch(fork, tip *blockNode) []*blockNode {
	path := make([]*blockNode, 0, tip.height-fork.height)
	for n := tip; n != fork; n = n.parent {
		path = append(path, n)
	}
	slices.Reverse(path)
	return path
}

// connectBlock validates n's block against the UTXO set and makes it the tip.
func (e *Engine) connectBlock(n *blockNode) error {
	if n.parent != e.tip() {
		return fmt.Errorf("consensus: internal error: connecting %s, whose parent is not the tip", n.hash)
	}
	b, err := e.loadBlock(n)
	if err != nil {
		return err
	}
	defer e.changes.release()
	changes, err := e.blockChanges(b, n, !n.status.Has(store.StatusValid))
	if err != nil {
		return err
	}
	update := e.connectUpdate(changes, n)
	c := e.call.get(n.hash)
	if c != nil && c.unsaved != nil {
		update.Block = c.data // the block is stored with its connect, in one write
	}
	if err := e.store.Apply(update); err != nil {
		return err
	}
	if c != nil {
		c.unsaved, c.data = nil, nil
	}
	n.status |= store.StatusValid
	e.main = append(e.main, n)
	e.tipNode = n
	e.mainTimes = append(e.mainTimes, n.header.Timestamp)
	e.addCandidate(n)
	return nil
}

// disconnectTip undoes the tip block, restoring the outputs it spent.
func (e *Engine) disconnectTip() error {
	n := e.tip()
	if n.parent == nil {
		return errors.New("consensus: internal error: disconnecting the genesis block")
	}
	b, err := e.loadBlock(n)
	if err != nil {
		return err
	}
	undo, err := e.store.Undo(n.hash)
	if err != nil {
		return fmt.Errorf("consensus: undo data of block %s: %w", n.hash, err)
	}
	defer e.changes.release()
	changes, err := e.undoChanges(b, n, undo)
	if err != nil {
		return err
	}
	if err := e.store.Apply(e.disconnectUpdate(changes, n)); err != nil {
		return err
	}
	e.main = e.main[:len(e.main)-1]
	e.tipNode = n.parent
	e.mainTimes = e.mainTimes[:len(e.mainTimes)-1]
	return nil
}

// loadBlock returns n's block from the call's cache or the store.
func (e *Engine) loadBlock(n *blockNode) (*chain.Block, error) {
	if c := e.call.get(n.hash); c != nil {
		return c.block, nil
	}
	data, err := e.store.Block(n.hash)
	if err != nil {
		return nil, fmt.Errorf("consensus: read block %s: %w", n.hash, err)
	}
	b, err := decodeStored(n.hash, data)
	if err != nil {
		return nil, err
	}
	e.call.read(n.hash, b)
	return b, nil
}

// markFailed sets flag on n and StatusFailedChild on its descendants,
// drops them from the candidates and persists the new statuses.
func (e *Engine) markFailed(n *blockNode, flag store.BlockStatus) error {
	n.status |= flag
	e.dropCandidate(n)
	recs := []store.BlockRecord{n.record()}
	n.descendants(func(d *blockNode) {
		d.status |= store.StatusFailedChild
		e.dropCandidate(d)
		recs = append(recs, d.record())
	})
	return e.store.PutRecords(recs)
}

// updateHaveChain marks n, once it has data, and its descendants with data
// as connectable when all their ancestors have data, making them candidates.
func (e *Engine) updateHaveChain(n *blockNode) {
	if !n.status.Has(store.StatusHaveData) || (n.parent != nil && !n.parent.haveChain) {
		return
	}
	n.haveChain = true
	e.considerCandidate(n)
	if n.firstChild == nil { // the usual case: a block extending a tip
		return
	}
	var queue []*blockNode
	for c := n.firstChild; c != nil; c = c.nextSibling {
		if c.status.Has(store.StatusHaveData) && !c.haveChain {
			queue = append(queue, c)
		}
	}
	for len(queue) > 0 {
		d := queue[0]
		queue = queue[1:]
		d.haveChain = true
		e.considerCandidate(d)
		for c := d.firstChild; c != nil; c = c.nextSibling {
			if c.status.Has(store.StatusHaveData) && !c.haveChain {
				queue = append(queue, c)
			}
		}
	}
}

func (e *Engine) considerCandidate(n *blockNode) {
	if n.haveChain && !n.failed() && n.work.Cmp(&e.tip().work) >= 0 {
		e.addCandidate(n)
	}
}

// addCandidate makes n a candidate, once.
func (e *Engine) addCandidate(n *blockNode) {
	if !n.candidate {
		n.candidate = true
		e.candidates = append(e.candidates, n)
	}
}

// dropCandidate removes n from the candidates when it is one.
func (e *Engine) dropCandidate(n *blockNode) {
	if !n.candidate {
		return
	}
	n.candidate = false
	i := slices.Index(e.candidates, n)
	last := len(e.candidates) - 1
	e.candidates[i] = e.candidates[last]
	e.candidates[last] = nil
	e.candidates = e.candidates[:last]
}

// rebuildCandidates recomputes the candidates from the whole index: needed
// when the tip lost work (a failed reorg, invalidateblock), as blocks with
// less work than the old tip become eligible again.
func (e *Engine) rebuildCandidates() {
	for _, n := range e.candidates {
		n.candidate = false
	}
	clear(e.candidates)
	e.candidates = e.candidates[:0]
	e.addCandidate(e.tip())
	e.index.each(e.considerCandidate)
}

// pruneCandidates drops candidates with less work than the tip.
func (e *Engine) pruneCandidates() {
	tipWork := &e.tip().work
	kept := e.candidates[:0]
	for _, n := range e.candidates {
		if n.work.Cmp(tipWork) < 0 {
			n.candidate = false
			continue
		}
		kept = append(kept, n)
	}
	clear(e.candidates[len(kept):])
	e.candidates = kept
}

// bestCandidate returns the candidate that beats all others (better is a
// total order: the candidates' order does not matter).
func (e *Engine) bestCandidate() *blockNode {
	var best *blockNode
	for _, n := range e.candidates {
		if best == nil || better(n, best) {
			best = n
		}
	}
	return best
}
