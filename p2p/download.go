package p2p

import (
	"context"
	"errors"
	"fmt"

	"github.com/libp2p/go-libp2p/core/peer"

	"github.com/devchain/devchain/chain"
)

// Block download: the blocks a sync round wants are split into batches,
// requested from several peers at once (the peer being synced with and
// every other peer that announced the same tip or more work), and handed
// to the chain in order while later batches are still arriving, so
// validation overlaps download.

// maxBatchesInFlight bounds the batches requested and not yet taken: the
// memory a sync may hold is this many batches of blocks.
const maxBatchesInFlight = 8

// batchResult is one downloaded batch.
type batchResult struct {
	blocks []*chain.Block
	from   peer.ID
	err    error
}

// downloadBlocks fetches want (in chain order) and submits the blocks in
// order. It returns how many were taken: fewer than len(want) when a block
// could not be had or was not accepted.
func (s *syncer) downloadBlocks(ctx context.Context, primary peer.ID, want []chain.Hash) (int, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var batches [][]chain.Hash
	for start := 0; start < len(want); start += blocksPerBatch {
		batches = append(batches, want[start:min(start+blocksPerBatch, len(want))])
	}
	sources := s.sources(primary)
	results := make([]chan batchResult, len(batches))
	for i := range results {
		results[i] = make(chan batchResult, 1)
	}
	slots := make(chan struct{}, maxBatchesInFlight)
	go func() {
		for i, batch := range batches {
			select {
			case slots <- struct{}{}:
			case <-ctx.Done():
				return
			}
			go s.fetchBatch(ctx, sources[i%len(sources)], primary, batch, results[i])
		}
	}()
	taken := 0
	for i, batch := range batches {
		var r batchResult
		select {
		case r = <-results[i]:
		case <-ctx.Done():
			return taken, ctx.Err()
		}
		<-slots
		if r.err != nil {
			if errors.Is(r.err, ErrBadMessage) {
				s.host.peers.misbehaved(r.from, pointsBadResponse, r.err.Error())
			}
			return taken, r.err
		}
		n, err := s.submitBatch(r, batch)
		taken += n
		if err != nil || n < len(batch) {
			return taken, err
		}
	}
	return taken, nil
}

// sources returns the peers to download from: primary first, then every
// other peer whose last status shows at least primary's work.
func (s *syncer) sources(primary peer.ID) []peer.ID {
	ps := s.host.peers
	ps.mu.Lock()
	defer ps.mu.Unlock()
	out := []peer.ID{primary}
	base := ps.peers[primary]
	if base == nil || base.status == nil {
		return out
	}
	for id, st := range ps.peers {
		if id != primary && st.status != nil && st.status.Work.Cmp(base.status.Work) >= 0 {
			out = append(out, id)
		}
	}
	return out
}

// fetchBatch downloads one batch from p; what p lacks is asked of primary.
func (s *syncer) fetchBatch(ctx context.Context, p, primary peer.ID, batch []chain.Hash, out chan<- batchResult) {
	blocks, err := s.host.requestBlocks(ctx, p, batch)
	if p == primary && err == nil && len(blocks) < len(batch) {
		s.host.undelivered(p, len(batch), len(blocks)) // limits.go
	}
	if p != primary && (err != nil || len(blocks) < len(batch)) {
		if err != nil && errors.Is(err, ErrBadMessage) {
			s.host.peers.misbehaved(p, pointsBadResponse, err.Error())
		}
		rest, rerr := s.host.requestBlocks(ctx, primary, batch[len(blocks):])
		if rerr == nil && len(rest) < len(batch)-len(blocks) {
			s.host.undelivered(primary, len(batch)-len(blocks), len(rest)) // limits.go
		}
		blocks, err, p = append(blocks, rest...), rerr, primary
		if err != nil && len(blocks) > 0 {
			err = nil // take what arrived; the next round asks again
		}
	}
	out <- batchResult{blocks: blocks, from: p, err: err}
}

// submitBatch hands a batch's blocks to the chain in order and returns how
// many were taken.
func (s *syncer) submitBatch(r batchResult, batch []chain.Hash) (int, error) {
	h := s.host
	for i, b := range r.blocks {
		v, err := h.cfg.Chain.SubmitBlock(b, r.from)
		switch v {
		case VerdictAccepted, VerdictDuplicate:
			continue
		case VerdictInvalid:
			h.peers.misbehaved(r.from, pointsInvalidBlk, fmt.Sprintf("synced block %s: %v", batch[i], err))
			return i, err
		}
		// Not judged (an ignored or orphan block, a store failure): stop here.
		return i, nil
	}
	return len(r.blocks), nil
}
