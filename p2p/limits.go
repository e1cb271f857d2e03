package p2p

import (
	"errors"
	"net"
	"os"
	"sync"
	"time"

	"github.com/libp2p/go-libp2p/core/network"
	"github.com/libp2p/go-libp2p/core/peer"

	"github.com/devchain/devchain/protocol"
)

// Limits on what one peer may ask of the sync responder, and on how long
// the node waits for a peer's answers. An honest node's sync keeps far
// below them: one request at a time to each peer plus at most
// protocol.MaxBatchesInFlight block batches, a status poll per
// StatusInterval. A refused request costs protocol.PointsFlood.
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
)

// servedLimit is the responder's bookkeeping for one peer.
type servedLimit struct {
	inFlight int
	tokens   float64
	last     time.Time
}

// limiter enforces the per-peer limits of the sync responder: a transport
// resource, so the driver's concern; what a stalling or lying peer costs
// is the protocol core's.
type limiter struct {
	now    func() time.Time
	mu     sync.Mutex
	served map[peer.ID]*servedLimit
}

func newLimiter(now func() time.Time) *limiter {
	return &limiter{now: now, served: map[peer.ID]*servedLimit{}}
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

// forget drops a disconnected peer's bookkeeping.
func (l *limiter) forget(p peer.ID) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if s := l.served[p]; s != nil && s.inFlight == 0 {
		delete(l.served, p)
	}
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
			n.step(protocol.Misbehaved{Peer: toCore(from), Points: protocol.PointsFlood, Reason: reason})
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

// isMalformed reports whether err is the peer's fault: bytes no honest
// node sends.
func isMalformed(err error) bool { return errors.Is(err, ErrBadMessage) }
