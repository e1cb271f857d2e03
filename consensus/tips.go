package consensus

import (
	"cmp"
	"fmt"
	"slices"

	"github.com/devchain/devchain/chain"
	"github.com/devchain/devchain/consensus/store"
)

// TipStatus is the state of a chain tip, named as by Bitcoin Core's
// getchaintips.
type TipStatus string

// Chain tip states.
const (
	TipActive      TipStatus = "active"       // the tip of the active chain
	TipValidFork   TipStatus = "valid-fork"   // a branch with all its blocks, not known invalid
	TipInvalid     TipStatus = "invalid"      // the branch contains an invalid block
	TipHeadersOnly TipStatus = "headers-only" // some block of the branch has only its header
)

// ChainTip is a block without children, or the active tip.
type ChainTip struct {
	Height    uint32
	Hash      chain.Hash
	BranchLen uint32 // blocks from the fork point with the active chain
	Status    TipStatus
}

// ChainTips returns every tip, highest first (at equal height the active
// tip first, then by hash).
func (e *Engine) ChainTips() []ChainTip {
	var tips []ChainTip
	e.index.each(func(n *blockNode) {
		if n.hasChildren() && n != e.tip() {
			return
		}
		fork := n
		for !e.onMainChain(fork) {
			fork = fork.parent
		}
		tips = append(tips, ChainTip{Height: n.height, Hash: n.hash, BranchLen: n.height - fork.height, Status: e.tipStatus(n)})
	})
	slices.SortFunc(tips, func(a, b ChainTip) int {
		return cmp.Or(cmp.Compare(b.Height, a.Height),
			cmp.Compare(statusRank(a.Status), statusRank(b.Status)),
			slices.Compare(a.Hash[:], b.Hash[:]))
	})
	return tips
}

func statusRank(s TipStatus) int {
	if s == TipActive {
		return 0
	}
	return 1
}

func (e *Engine) tipStatus(n *blockNode) TipStatus {
	switch {
	case n == e.tip():
		return TipActive
	case n.failed():
		return TipInvalid
	case !n.haveChain:
		return TipHeadersOnly
	}
	return TipValidFork
}

// InvalidateBlock marks a block invalid by hand, as Bitcoin Core's
// invalidateblock: it and its descendants leave the active chain, and the
// engine moves to the best chain without them.
func (e *Engine) InvalidateBlock(hash chain.Hash) (_ *Result, err error) {
	if err := e.haltedErr(); err != nil {
		return nil, err
	}
	defer func() { err = e.noteFailure(err) }()
	n := e.index.get(hash)
	if n == nil {
		return nil, fmt.Errorf("%w: %s", ErrUnknownBlock, hash)
	}
	if n.parent == nil {
		return nil, errGenesisInvalidate
	}
	defer e.clearCache()
	before := e.tip()
	res := &Result{Hash: hash}
	if err := e.markFailed(n, store.StatusFailed); err != nil {
		return res, err
	}
	for e.onMainChain(n) {
		if err := e.disconnectTip(); err != nil {
			return res, err
		}
	}
	return res, e.reactivate(res, before)
}

// ReconsiderBlock clears the invalid marks of a block, its descendants and
// its ancestors, as Bitcoin Core's reconsiderblock, and moves to the best
// chain. A block that really breaks a rule is found invalid again.
func (e *Engine) ReconsiderBlock(hash chain.Hash) (_ *Result, err error) {
	if err := e.haltedErr(); err != nil {
		return nil, err
	}
	defer func() { err = e.noteFailure(err) }()
	n := e.index.get(hash)
	if n == nil {
		return nil, fmt.Errorf("%w: %s", ErrUnknownBlock, hash)
	}
	defer e.clearCache()
	before := e.tip()
	res := &Result{Hash: hash}
	var recs []store.BlockRecord
	clearFlags := func(d *blockNode) {
		if d.failed() {
			d.status &^= store.StatusFailed | store.StatusFailedChild
			recs = append(recs, d.record())
		}
	}
	for a := n; a != nil; a = a.parent {
		clearFlags(a)
	}
	n.descendants(clearFlags)
	if err := e.store.PutRecords(recs); err != nil {
		return res, err
	}
	return res, e.reactivate(res, before)
}

// reactivate finds the best chain again after statuses changed by hand.
func (e *Engine) reactivate(res *Result, before *blockNode) error {
	e.rebuildCandidates()
	_, err := e.activateBestChain()
	if ferr := e.fillReorg(res, before); err == nil {
		err = ferr
	}
	if n := e.index.get(res.Hash); n != nil && !n.failed() {
		res.Status = e.placement(n)
	}
	e.logResult(res, before, err)
	return err
}
