package p2p

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/libp2p/go-libp2p/core/network"
	"github.com/libp2p/go-libp2p/core/peer"

	"github.com/devchain/devchain/chain"
	"github.com/devchain/devchain/consensus"
)

// Sync timing and batching.
const (
	requestTimeout = 30 * time.Second
	blocksPerBatch = 64
	// maxSyncRounds bounds one sync session (each round is up to
	// maxHeadersPerMsg headers); the next status poll resumes it.
	maxSyncRounds = 64
)

// Misbehaviour points for sync.
const (
	pointsBadResponse = 100 // no honest peer sends one: banned at once (issue 6)
	pointsWrongChain  = 100
	pointsEmptyClaim  = 100 // claims more work, sends no headers: a lie (issue 6)
	pointsBadRequest  = 20
)

// syncer catches the node up with its peers, one peer at a time: a peer is
// queued when it connects, when it gossips a block whose parent is
// unknown, and for every peer at each status poll.
type syncer struct {
	host   *Host
	mu     sync.Mutex
	queue  []peer.ID
	queued map[peer.ID]bool
	wake   chan struct{}
}

func newSyncer(h *Host) *syncer {
	return &syncer{host: h, queued: map[peer.ID]bool{}, wake: make(chan struct{}, 1)}
}

// trigger queues a sync with p.
func (s *syncer) trigger(p peer.ID) {
	if s.host.limits.coolingDown(p) {
		return // it let a request time out: not asked again for a while (limits.go)
	}
	s.mu.Lock()
	if !s.queued[p] {
		s.queued[p] = true
		s.queue = append(s.queue, p)
	}
	s.mu.Unlock()
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

func (s *syncer) next() (peer.ID, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.queue) == 0 {
		return "", false
	}
	p := s.queue[0]
	s.queue = s.queue[1:]
	delete(s.queued, p)
	return p, true
}

func (s *syncer) run(ctx context.Context) {
	poll := time.NewTicker(s.host.cfg.StatusInterval)
	defer poll.Stop()
	for {
		p, ok := s.next()
		if !ok {
			select {
			case <-ctx.Done():
				return
			case <-s.wake:
			case <-poll.C:
				for _, id := range s.host.peers.ids() {
					s.trigger(id)
				}
			}
			continue
		}
		if err := s.syncWith(ctx, p); err != nil && ctx.Err() == nil {
			s.host.log.Debug("sync_failed", "peer", p, "err", err)
		}
	}
}

// syncWith fetches the chain of p while p claims more work than ours.
// Each round asks for the headers after the last header of the previous
// round (after our own locator at first), so a long branch we already
// store as a side chain is walked, not asked for again and again.
func (s *syncer) syncWith(ctx context.Context, p peer.ID) error {
	h := s.host
	c := h.cfg.Chain
	var from chain.Hash
	for round := 0; round < maxSyncRounds; round++ {
		st, err := h.requestStatus(ctx, p)
		if err != nil {
			return err
		}
		if st.Genesis != h.cfg.Params.GenesisHash {
			h.peers.misbehaved(p, pointsWrongChain, "peer follows another genesis "+st.Genesis.String())
			return nil
		}
		h.peers.setStatus(p, st)
		if st.Work.Cmp(c.Status().Work) <= 0 || c.HaveBlock(st.Tip) || h.peers.isUseless(p, st) {
			return nil
		}
		locator := c.Locator()
		if !from.IsZero() {
			locator = append([]chain.Hash{from}, locator...)
		}
		last, err := s.fetchRound(ctx, p, locator)
		if err != nil {
			return err
		}
		if last.IsZero() {
			h.peers.markUseless(p, st)
			return nil
		}
		from = last
	}
	return nil
}

// fetchRound downloads one batch of headers after locator and the blocks
// among them we lack. It returns the last header's hash, or the zero hash
// when the round brought nothing usable.
func (s *syncer) fetchRound(ctx context.Context, p peer.ID, locator []chain.Hash) (chain.Hash, error) {
	h := s.host
	c := h.cfg.Chain
	headers, err := h.requestHeaders(ctx, p, locator)
	if err != nil {
		return chain.Hash{}, err
	}
	if len(headers) == 0 {
		h.peers.misbehaved(p, pointsEmptyClaim, "claims more work but sends no headers")
		return chain.Hash{}, nil
	}
	if err := s.checkHeaders(headers); err != nil {
		h.peers.misbehaved(p, pointsBadResponse, err.Error())
		return chain.Hash{}, nil
	}
	var want []chain.Hash
	for i := range headers {
		if hash := headers[i].Hash(); !c.HaveBlock(hash) {
			want = append(want, hash)
		}
	}
	taken, err := s.downloadBlocks(ctx, p, want)
	if err != nil {
		return chain.Hash{}, err
	}
	if taken < len(want) {
		return chain.Hash{}, nil
	}
	return headers[len(headers)-1].Hash(), nil
}

// checkHeaders checks that headers start from a block we have, link up and
// carry valid proof of work, before any block is fetched for them.
func (s *syncer) checkHeaders(headers []chain.BlockHeader) error {
	if !s.host.cfg.Chain.HaveBlock(headers[0].PrevBlock) {
		return fmt.Errorf("headers start after unknown block %s", headers[0].PrevBlock)
	}
	powLimit := s.host.cfg.Params.PowLimit
	for i := range headers {
		if i > 0 && headers[i].PrevBlock != headers[i-1].Hash() {
			return fmt.Errorf("headers do not link at %d", i)
		}
		if err := consensus.CheckProofOfWork(&headers[i], powLimit); err != nil {
			return fmt.Errorf("header %d: %w", i, err)
		}
	}
	return nil
}

func (n *Host) requestStatus(ctx context.Context, p peer.ID) (Status, error) {
	var st Status
	err := n.request(ctx, p, []byte{kindStatus}, func(r *bufio.Reader) error {
		frame, err := readFrame(r, maxStatusBytes)
		if err != nil {
			return err
		}
		st, err = decodeStatus(frame)
		return err
	})
	return st, err
}

func (n *Host) requestHeaders(ctx context.Context, p peer.ID, locator []chain.Hash) ([]chain.BlockHeader, error) {
	var headers []chain.BlockHeader
	err := n.request(ctx, p, encodeGetHeaders(locator, maxHeadersPerMsg), func(r *bufio.Reader) error {
		frame, err := readFrame(r, maxHeadersPerMsg*chain.HeaderSize)
		if err != nil {
			return err
		}
		headers, err = decodeHeaders(frame)
		return err
	})
	return headers, err
}

// requestBlocks fetches blocks by hash; every block returned is checked to
// be the one asked for. A peer that lacks a block answers an empty frame,
// which ends the list early.
func (n *Host) requestBlocks(ctx context.Context, p peer.ID, hashes []chain.Hash) ([]*chain.Block, error) {
	var blocks []*chain.Block
	maxBlock := int(n.cfg.Params.MaxBlockBytes)
	err := n.request(ctx, p, encodeGetBlocks(hashes), func(r *bufio.Reader) error {
		for _, want := range hashes {
			frame, err := readFrame(r, maxBlock)
			if err != nil {
				return err
			}
			if len(frame) == 0 {
				return nil
			}
			b, err := chain.DecodeBlock(frame)
			if err != nil {
				return fmt.Errorf("%w: block %s: %v", ErrBadMessage, want, err)
			}
			if got := b.Hash(); got != want {
				return fmt.Errorf("%w: asked for block %s, got %s", ErrBadMessage, want, got)
			}
			blocks = append(blocks, b)
		}
		return nil
	})
	return blocks, err
}

// request runs one request on a new stream to p and lets read consume the
// answer.
func (n *Host) request(ctx context.Context, p peer.ID, req []byte, read func(r *bufio.Reader) error) (err error) {
	timeout := requestTimeoutFor(req[0])
	defer func() { n.requestDone(p, err) }() // limits.go: a peer that stalls is left alone for a while
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	s, err := n.host.NewStream(network.WithNoDial(ctx, "sync"), p, n.syncID)
	if err != nil {
		return fmt.Errorf("p2p: open sync stream to %s: %w", p, err)
	}
	_ = s.SetDeadline(time.Now().Add(timeout))
	if err := writeFrame(s, req); err != nil {
		s.Reset()
		return fmt.Errorf("p2p: send request to %s: %w", p, err)
	}
	_ = s.CloseWrite()
	if err := read(bufio.NewReader(s)); err != nil {
		s.Reset()
		return err
	}
	return s.Close()
}

// serveSync answers one request of a peer.
func (n *Host) serveSync(s network.Stream) {
	from := s.Conn().RemotePeer()
	_ = s.SetDeadline(time.Now().Add(requestTimeout))
	r := bufio.NewReader(s)
	req, err := readFrame(r, maxRequestBytes)
	if err == nil && len(req) == 0 {
		err = fmt.Errorf("%w: empty request", ErrBadMessage)
	}
	if err == nil {
		err = n.answer(s, req)
	}
	if err != nil {
		if errors.Is(err, ErrBadMessage) {
			n.peers.misbehaved(from, pointsBadRequest, err.Error())
		}
		s.Reset()
		return
	}
	s.Close()
}

func (n *Host) answer(s network.Stream, req []byte) error {
	c := n.cfg.Chain
	w := bufio.NewWriter(s)
	switch req[0] {
	case kindStatus:
		if err := writeFrame(w, encodeStatus(c.Status())); err != nil {
			return err
		}
	case kindGetHeaders:
		locator, max, err := decodeGetHeaders(req[1:])
		if err != nil {
			return err
		}
		if err := writeFrame(w, encodeHeaders(c.HeadersAfter(locator, max))); err != nil {
			return err
		}
	case kindGetBlocks:
		hashes, err := decodeGetBlocks(req[1:])
		if err != nil {
			return err
		}
		for _, hash := range hashes {
			data, ok := c.BlockBytes(hash)
			if !ok {
				data = nil
			}
			if err := writeFrame(w, data); err != nil {
				return err
			}
			if !ok {
				break
			}
		}
	default:
		return fmt.Errorf("%w: unknown request kind %d", ErrBadMessage, req[0])
	}
	return w.Flush()
}
