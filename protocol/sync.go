package protocol

import (
	"fmt"
	"math/big"

	"github.com/devchain/devchain/chain"
	"github.com/devchain/devchain/consensus"
)

// syncSession is the one sync under way: headers first from one peer, then
// the blocks they name from that peer and others.
type syncSession struct {
	peer PeerID
	// claim is the work the peer announced; nil when the sync was started
	// by an orphan block rather than by a status.
	claim *big.Int
	// headers is the header chain received so far, linked, the first one
	// on a block the engine knows; work is the chain work at its end.
	headers []chain.BlockHeader
	work    *big.Int
	req     RequestID // the outstanding GetHeaders, 0 in the block phase

	batches []*batch // the block phase, in chain order
	next    int      // first batch not yet handed to the engine
	sources []PeerID
}

// batch is a run of blocks asked of one peer.
type batch struct {
	hashes []chain.Hash
	blocks []*chain.Block // received so far, in order
	// processed counts the blocks handed to the engine once all arrived.
	processed int
	peer      PeerID
	req       RequestID // outstanding GetBlocks, 0 when none
	done      bool
}

// maybeStartSync starts a sync with the peer that announced the most work
// beyond the tip, when none runs. Ties are broken by Config.Rand.
func (c *Core) maybeStartSync() {
	if c.sync != nil {
		return
	}
	c.syncCheck = false
	tipWork, _ := c.engine.TipWork()
	var best []PeerID
	var bestWork *big.Int
	for _, id := range c.peerIDs() {
		ps := c.peers[id]
		st := ps.status
		if st == nil || ps.waitStatus || st.Work.Cmp(tipWork) <= 0 || c.engine.HaveBlock(st.Tip) || c.coolingDown(id) ||
			(ps.useless != nil && ps.useless.Tip == st.Tip) {
			continue
		}
		switch {
		case bestWork == nil || st.Work.Cmp(bestWork) > 0:
			best, bestWork = []PeerID{id}, st.Work
		case st.Work.Cmp(bestWork) == 0:
			best = append(best, id)
		}
	}
	if len(best) == 0 {
		return
	}
	p := best[0]
	if len(best) > 1 {
		p = best[c.rng.IntN(len(best))]
	}
	c.startSync(p, new(big.Int).Set(bestWork))
}

// startSync asks p for the headers after the active chain.
func (c *Core) startSync(p PeerID, claim *big.Int) {
	c.sync = &syncSession{peer: p, claim: claim}
	c.log.Debug("sync_started", "peer", p, "claim", claim)
	c.requestHeaders()
}

// requestHeaders asks the sync peer for the next headers: after the last
// one received, or after the active chain's locator at first.
func (c *Core) requestHeaders() {
	s := c.sync
	locator := c.engine.Locator()
	if n := len(s.headers); n > 0 {
		locator = append([]chain.Hash{s.headers[n-1].Hash()}, locator...)
	}
	if len(locator) > MaxLocatorHashes {
		locator = append(locator[:MaxLocatorHashes-1:MaxLocatorHashes-1], locator[len(locator)-1])
	}
	r := c.newRequest(s.peer, reqHeaders, c.cfg.HeadersTimeout)
	s.req = r.id
	c.send(s.peer, GetHeaders{ID: r.id, Locator: locator, Max: MaxHeadersPerMsg})
}

// endSync ends the sync; its outstanding requests are forgotten, so late
// answers are ignored. A peer whose chain could not be taken (useless: a
// verdict, not a broken stream) is not synced from again until its tip
// changes.
func (c *Core) endSync(reason string, useless bool) {
	s := c.sync
	if s == nil {
		return
	}
	c.sync = nil
	c.syncCheck = true
	for _, id := range sortedKeys(c.pending) {
		r := c.pending[id]
		if r.kind == reqHeaders && r.id == s.req || r.kind == reqBlocks && r.batch != nil && r.batch.req == r.id {
			delete(c.pending, id)
		}
	}
	c.log.Debug("sync_ended", "peer", s.peer, "reason", reason)
	if useless {
		c.markUseless(s.peer)
	} else if ps := c.peers[s.peer]; ps != nil && reason != "done" {
		ps.waitStatus = true // a broken stream: retried after its next status, not at once
	}
}

func (c *Core) markUseless(p PeerID) {
	if ps := c.peers[p]; ps != nil && ps.status != nil {
		st := *ps.status
		ps.useless = &st
	}
}

// onHeaders checks a batch of headers from the sync peer and decides: ask
// for more, download the blocks, or give up (penalising a false claim).
func (c *Core) onHeaders(from PeerID, m Headers) {
	if !c.answered(from, m.ID, reqHeaders) {
		return
	}
	s := c.sync
	if s == nil || s.req != m.ID {
		return
	}
	s.req = 0
	hs := m.Headers
	if len(hs) > MaxHeadersPerMsg {
		c.badResponse(from, fmt.Sprintf("%d headers, limit %d", len(hs), MaxHeadersPerMsg))
		return
	}
	if len(hs) == 0 {
		if len(s.headers) == 0 {
			if s.claim != nil {
				c.penalise(from, PointsFalseClaim, "claims more work but sends no headers")
			}
			c.endSync("no headers", true)
			return
		}
		c.judgeHeaders(true)
		return
	}
	if err := c.linkHeaders(s, hs); err != nil {
		c.badResponse(from, err.Error())
		return
	}
	full := len(hs) >= MaxHeadersPerMsg
	if full && (s.claim == nil || s.work.Cmp(s.claim) < 0) && len(s.headers) < MaxSyncHeaders {
		c.requestHeaders()
		return
	}
	c.judgeHeaders(!full)
}

// linkHeaders checks that hs continue the session's header chain (or start
// on a known block), link up and carry valid proof of work, and adds them
// with their work.
func (c *Core) linkHeaders(s *syncSession, hs []chain.BlockHeader) error {
	prev := hs[0].PrevBlock
	if n := len(s.headers); n == 0 || s.headers[n-1].Hash() != prev {
		work, _, ok := c.engine.Work(prev)
		if !ok {
			return fmt.Errorf("headers start after unknown block %s", prev)
		}
		s.headers, s.work = nil, new(big.Int).Set(work)
	}
	powLimit := c.cfg.Params.PowLimit
	for i := range hs {
		if hs[i].PrevBlock != prev {
			return fmt.Errorf("headers do not link at %d", i)
		}
		if err := consensus.CheckProofOfWork(&hs[i], powLimit); err != nil {
			return fmt.Errorf("header %d: %w", i, err)
		}
		s.work.Add(s.work, consensus.CalcWork(hs[i].Bits))
		prev = hs[i].Hash()
	}
	s.headers = append(s.headers, hs...)
	return nil
}

// judgeHeaders weighs the header chain received: a claim it does not bear
// out is penalised and nothing is downloaded; a chain with more work than
// the tip has its missing blocks downloaded.
func (c *Core) judgeHeaders(ended bool) {
	s := c.sync
	tipWork, _ := c.engine.TipWork()
	if s.claim != nil && s.work.Cmp(s.claim) < 0 && (ended || s.work.Cmp(tipWork) <= 0) {
		c.penalise(s.peer, PointsFalseClaim, fmt.Sprintf("claimed work %s, its %d headers carry %s",
			s.claim, len(s.headers), s.work))
		c.endSync("false claim", true)
		return
	}
	if s.work.Cmp(tipWork) <= 0 {
		c.endSync("headers bring no more work than the tip", true)
		return
	}
	var want []chain.Hash
	for i := range s.headers {
		if h := s.headers[i].Hash(); !c.engine.HaveBlock(h) {
			want = append(want, h)
		}
	}
	s.headers = nil // the hashes are all the block phase needs
	if len(want) == 0 {
		c.endSync("every block is known", true)
		return
	}
	for start := 0; start < len(want); start += BlocksPerBatch {
		s.batches = append(s.batches, &batch{hashes: want[start:min(start+BlocksPerBatch, len(want))]})
	}
	s.sources = c.sources(s.peer)
	c.scheduleBatches()
}

// sources are the peers to download from: the sync peer first, then every
// other peer that announced at least its work and is not cooling down.
func (c *Core) sources(primary PeerID) []PeerID {
	out := []PeerID{primary}
	base := c.peers[primary].status
	if base == nil {
		return out
	}
	for _, id := range c.peerIDs() {
		st := c.peers[id].status
		if id != primary && st != nil && st.Work.Cmp(base.Work) >= 0 && !c.coolingDown(id) {
			out = append(out, id)
		}
	}
	return out
}

// scheduleBatches keeps the MaxBatchesInFlight batches after the last one
// handed to the engine requested or received, batch i from source i mod
// len(sources): what a sync holds in memory is that window of batches.
func (c *Core) scheduleBatches() {
	s := c.sync
	for i := s.next; i < len(s.batches) && i < s.next+MaxBatchesInFlight; i++ {
		b := s.batches[i]
		if b.done || b.req != 0 {
			continue
		}
		p := s.sources[i%len(s.sources)]
		if c.peers[p] == nil || c.coolingDown(p) {
			p = s.peer
		}
		c.requestBatch(b, p)
	}
}

func (c *Core) requestBatch(b *batch, p PeerID) {
	r := c.newRequest(p, reqBlocks, c.cfg.BlocksTimeout)
	r.batch = b
	b.peer, b.req = p, r.id
	c.send(p, GetBlocks{ID: r.id, Hashes: append([]chain.Hash(nil), b.hashes[len(b.blocks):]...)})
}

// onBlocks takes a batch's answer: the blocks asked for, in order, up to
// the first the peer lacks.
func (c *Core) onBlocks(from PeerID, m Blocks) {
	req := c.pending[m.ID]
	if !c.answered(from, m.ID, reqBlocks) {
		return
	}
	s, b := c.sync, req.batch
	if s == nil || b == nil || b.req != m.ID {
		return
	}
	b.req = 0
	asked := b.hashes[len(b.blocks):]
	if len(m.Blocks) > len(asked) {
		c.badResponse(from, fmt.Sprintf("%d blocks for %d asked", len(m.Blocks), len(asked)))
		return
	}
	for i, blk := range m.Blocks {
		if got := blk.Hash(); got != asked[i] {
			c.badResponse(from, fmt.Sprintf("asked for block %s, got %s", asked[i], got))
			return
		}
	}
	b.blocks = append(b.blocks, m.Blocks...)
	if len(b.blocks) < len(b.hashes) {
		if from == s.peer {
			c.penalise(from, PointsUndelivered, fmt.Sprintf("announced blocks it does not deliver (%d of %d)",
				len(m.Blocks), len(asked)))
			c.endSync("blocks undelivered", true)
			return
		}
		c.requestBatch(b, s.peer) // the rest from the sync peer
		return
	}
	b.done = true
	c.connectBatches()
}

// connectBatches hands the completed batches at the front to the engine in
// chain order, within the step's budget of transactions: a driver holding
// a lock around Step lets others in between steps, and steps again while
// the core is Busy.
func (c *Core) connectBatches() {
	s := c.sync
	for s.next < len(s.batches) && s.batches[s.next].done {
		b := s.batches[s.next]
		for b.processed < len(b.blocks) {
			if c.budget <= 0 {
				return // the rest at the next step: Busy
			}
			blk, hash := b.blocks[b.processed], b.hashes[b.processed] // checked on arrival
			b.processed++
			c.budget -= len(blk.Transactions)
			res, err := c.processBlock(blk)
			if err == nil {
				c.arrived(b.peer, hash, res.Status)
			} else {
				c.arrived(b.peer, hash, 0)
			}
			if err == nil && res.Status != consensus.StatusOrphan {
				continue
			}
			if blameable(err) {
				c.log.Info("peer_block_rejected", "peer", b.peer, "hash", hash, "err", err)
				c.penalise(b.peer, PointsInvalidBlock, fmt.Sprintf("synced block %s: %v", hash, err))
			}
			c.endSync("a block was not taken", true)
			return
		}
		b.blocks = nil
		s.next++
	}
	if s.next == len(s.batches) {
		c.endSync("done", false)
		c.askStatus(s.peer) // it may have more
		return
	}
	c.scheduleBatches()
}

// Busy reports whether downloaded blocks wait for the engine: the driver
// steps the core again (a Tick) at once, after letting others at the lock.
func (c *Core) Busy() bool {
	s := c.sync
	return s != nil && s.next < len(s.batches) && s.batches[s.next].done
}

// batchFailed: a batch's request got no answer. The sync peer's failure
// ends the sync; another peer's batch is asked of the sync peer.
func (c *Core) batchFailed(b *batch) {
	s := c.sync
	if s == nil || b == nil || b.done {
		return
	}
	b.req = 0
	if b.peer == s.peer {
		c.endSync("sync peer failed to deliver", false)
		return
	}
	c.requestBatch(b, s.peer)
}

// badResponse penalises an answer no honest peer sends and ends the sync
// it belonged to.
func (c *Core) badResponse(from PeerID, reason string) {
	c.penalise(from, PointsBadResponse, reason)
	if s := c.sync; s != nil && s.peer == from {
		c.endSync("bad response", true)
	} else if s != nil {
		for _, b := range s.batches {
			if b.peer == from && !b.done && b.req == 0 {
				c.requestBatch(b, s.peer)
			}
		}
	}
}

// answered matches an answer with its request and forgets the request. An
// answer to nothing (late, or never asked) is ignored.
func (c *Core) answered(from PeerID, id RequestID, kind requestKind) bool {
	r := c.pending[id]
	if r == nil || r.peer != from || r.kind != kind {
		return false
	}
	delete(c.pending, id)
	if ps := c.peers[from]; ps != nil && ps.askedFor == id {
		ps.askedFor = 0
	}
	return true
}
