package p2p

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/libp2p/go-libp2p/core/peer"
)

type fakeClock struct{ t time.Time }

func (c *fakeClock) now() time.Time          { return c.t }
func (c *fakeClock) advance(d time.Duration) { c.t = c.t.Add(d) }

// TestLimiterConcurrency: one peer may have maxServedPerPeer requests
// served at once; another peer is not affected; a released slot is free.
func TestLimiterConcurrency(t *testing.T) {
	clock := &fakeClock{t: time.Unix(1000, 0)}
	l := newLimiter(clock.now)
	a, b := peer.ID("a"), peer.ID("b")
	var releases []func()
	for i := 0; i < maxServedPerPeer; i++ {
		release, _, reason := l.admit(a)
		if release == nil {
			t.Fatalf("request %d refused: %s", i, reason)
		}
		releases = append(releases, release)
	}
	if release, _, _ := l.admit(a); release != nil {
		t.Fatal("request over the concurrency limit admitted")
	}
	if release, _, _ := l.admit(b); release == nil {
		t.Fatal("another peer refused")
	}
	releases[0]()
	if release, _, _ := l.admit(a); release == nil {
		t.Fatal("a released slot is not free")
	}
}

// TestLimiterRate: a peer gets servedBurst requests at once; past the
// burst each request waits for its token (1/servedRate each, the waits
// adding up), up to maxRateWait, and is refused beyond; tokens come back
// at servedRate.
func TestLimiterRate(t *testing.T) {
	clock := &fakeClock{t: time.Unix(1000, 0)}
	l := newLimiter(clock.now)
	p := peer.ID("p")
	admit := func() (time.Duration, bool) {
		release, wait, _ := l.admit(p)
		if release == nil {
			return 0, false
		}
		release()
		return wait, true
	}
	for i := 0; i < servedBurst; i++ {
		if wait, ok := admit(); !ok || wait != 0 {
			t.Fatalf("request %d of the burst: admitted %v, wait %v", i, ok, wait)
		}
	}
	var last time.Duration
	queued := 0
	for {
		wait, ok := admit()
		if !ok {
			break
		}
		if wait <= last {
			t.Fatalf("wait %v after %v: waits must add up", wait, last)
		}
		last = wait
		queued++
	}
	if want := int(maxRateWait.Seconds() * servedRate); queued < want-1 || queued > want {
		t.Fatalf("%d requests queued past the burst, want about %d (maxRateWait of tokens)", queued, want)
	}
	clock.advance(2 * maxRateWait)
	if wait, ok := admit(); !ok || wait != 0 {
		t.Fatalf("after the debt is paid back: admitted %v, wait %v", ok, wait)
	}
}

type timeoutErr struct{}

func (timeoutErr) Error() string   { return "i/o deadline reached" }
func (timeoutErr) Timeout() bool   { return true }
func (timeoutErr) Temporary() bool { return true }

func TestIsTimeout(t *testing.T) {
	if !isTimeout(fmt.Errorf("p2p: read: %w", timeoutErr{})) {
		t.Error("wrapped net.Error timeout not recognised")
	}
	if isTimeout(errors.New("stream reset")) {
		t.Error("reset taken for a timeout")
	}
}
