package p2p

import (
	"errors"
	"fmt"
	"net"
	"os"
	"sync"
	"time"

	"github.com/libp2p/go-libp2p/core/network"
	"github.com/libp2p/go-libp2p/core/peer"
)

// Limits on what one peer may ask of the sync responder, and on how long
// the node waits for a peer's answers. An honest node's sync keeps far
// below them: one request at a time to each peer plus at most
// maxBatchesInFlight block batches, a status poll per StatusInterval.
const (
	// maxServedPerPeer bounds the sync requests of one peer served at once;
	// a request over it is refused (stream reset) and penalised.
	maxServedPerPeer = 16
	// servedRate and servedBurst are a token bucket of requests per peer:
	// a request without a token waits for one (the peer is slowed down,
	// not punished); one that would wait more than maxRateWait is refused
	// and penalised.
	servedRate  = 500 // requests per second
	servedBurst = 1000
	maxRateWait = time.Second
	// pointsFlood is the penalty of a refused request: a peer that keeps
	// flooding is banned after BanScore/pointsFlood refusals.
	pointsFlood = 2
	// pointsUndelivered: the peer sent headers of a chain claiming more
	// work, then answered that it does not have the blocks. Blocks are
	// never deleted and headers come from the active chain, so an honest
	// peer always has them.
	pointsUndelivered = 100
)

// Per-request deadlines: a status or headers answer is small, a batch of
// blocks may be large.
const (
	statusTimeout  = 10 * time.Second
	headersTimeout = 15 * time.Second
)

// Stall backoff: a peer whose answer timed out is not asked again (status
// polls and sync) for a while, doubling while it keeps stalling, so that one
// peer that accepts requests and never answers cannot hold up the syncer,
// which works with one peer at a time.
const (
	minStallBackoff = 10 * time.Second
	maxStallBackoff = 2 * time.Minute
)

// requestTimeoutFor returns the deadline of a request of the given kind.
func requestTimeoutFor(kind byte) time.Duration {
	switch kind {
	case kindStatus:
		return statusTimeout
	case kindGetHeaders:
		return headersTimeout
	}
	return requestTimeout
}

// servedLimit is the responder's bookkeeping for one peer.
type servedLimit struct {
	inFlight int
	tokens   float64
	last     time.Time
}

// limiter enforces the per-peer limits of the sync responder and remembers
// which peers stalled.
type limiter struct {
	now    func() time.Time
	mu     sync.Mutex
	served map[peer.ID]*servedLimit
	stalls map[peer.ID]*stall
}

type stall struct {
	until   time.Time
	backoff time.Duration
}

func newLimiter(now func() time.Time) *limiter {
	return &limiter{now: now, served: map[peer.ID]*servedLimit{}, stalls: map[peer.ID]*stall{}}
}

// admit takes a slot and a token for one request of p; release gives the
// slot back, and wait is how long the request must wait for its token. It
// refuses with the reason when p is over a limit.
func (l *limiter) admit(p peer.ID) (release func(), wait time.Duration, reason string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	s := l.served[p]
	if s == nil {
		s = &servedLimit{tokens: servedBurst, last: now}
		l.served[p] = s
	}
	s.tokens = min(servedBurst, s.tokens+now.Sub(s.last).Seconds()*servedRate)
	s.last = now
	if s.inFlight >= maxServedPerPeer {
		return nil, 0, "too many concurrent sync requests"
	}
	if s.tokens < 1 {
		wait = time.Duration((1 - s.tokens) / servedRate * float64(time.Second))
		if wait > maxRateWait {
			return nil, 0, "sync requests over the rate limit"
		}
	}
	s.tokens--
	s.inFlight++
	return func() {
		l.mu.Lock()
		s.inFlight--
		l.mu.Unlock()
	}, wait, ""
}

// forget drops a disconnected peer's bookkeeping (a stall is kept: it
// would otherwise end with a reconnection).
func (l *limiter) forget(p peer.ID) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if s := l.served[p]; s != nil && s.inFlight == 0 {
		delete(l.served, p)
	}
	for id, st := range l.stalls {
		if l.now().After(st.until.Add(maxStallBackoff)) {
			delete(l.stalls, id)
		}
	}
}

// stalled records that a request to p timed out.
func (l *limiter) stalled(p peer.ID) time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	st := l.stalls[p]
	if st == nil {
		st = &stall{backoff: minStallBackoff}
		l.stalls[p] = st
	} else {
		st.backoff = min(2*st.backoff, maxStallBackoff)
	}
	st.until = l.now().Add(st.backoff)
	return st.backoff
}

// answered records that p answered a request in time.
func (l *limiter) answered(p peer.ID) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if st := l.stalls[p]; st != nil && !l.now().Before(st.until) {
		delete(l.stalls, p)
	}
}

// coolingDown reports whether p stalled recently and is not to be asked.
func (l *limiter) coolingDown(p peer.ID) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	st := l.stalls[p]
	return st != nil && l.now().Before(st.until)
}

// isTimeout reports whether err is a missed deadline (a yamux stream
// deadline is a net.Error, not os.ErrDeadlineExceeded).
func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout() || errors.Is(err, os.ErrDeadlineExceeded)
}

// limitSync wraps the sync stream handler with the per-peer limits.
func (n *Host) limitSync(serve network.StreamHandler) network.StreamHandler {
	return func(s network.Stream) {
		from := s.Conn().RemotePeer()
		release, wait, reason := n.limits.admit(from)
		if release == nil {
			s.Reset()
			n.peers.misbehaved(from, pointsFlood, reason)
			return
		}
		defer release()
		if wait > 0 {
			select {
			case <-time.After(wait):
			case <-n.ctx.Done():
				s.Reset()
				return
			}
		}
		serve(s)
	}
}

// requestDone is told the outcome of every request the node made: a peer
// that let one time out is left alone for a while (see stalled).
func (n *Host) requestDone(p peer.ID, err error) {
	switch {
	case err == nil:
		n.limits.answered(p)
	case isTimeout(err) && n.ctx.Err() == nil:
		backoff := n.limits.stalled(p)
		n.log.Info("peer_stalled", "peer", p, "backoff", backoff, "err", err)
	}
}

// undelivered is told when a peer that announced headers answered that it
// lacks their blocks.
func (n *Host) undelivered(p peer.ID, asked, got int) {
	n.peers.misbehaved(p, pointsUndelivered, fmt.Sprintf("announced blocks it does not deliver (%d of %d)", got, asked))
}
