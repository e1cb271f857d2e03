package miner

import (
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/devchain/devchain/chain"
	"github.com/devchain/devchain/consensus"
	"github.com/devchain/devchain/consensus/store"
)

// aheadSource is a node on a chain that never retargets and whose blocks
// already run ahead of its clock: every template is stamped the median time
// past + 1, more than max_future_block_seconds past the clock, so the engine
// refuses it as time-too-new until the clock catches up.
type aheadSource struct {
	engine    *consensus.Engine
	templates chan int
	submitted chan error

	mu      sync.Mutex
	clock   time.Time
	calls   int
	submits int
}

// newAheadSource starts a chain whose genesis is ahead of the clock by
// max_future_block_seconds + ahead.
func newAheadSource(t *testing.T, ahead time.Duration) *aheadSource {
	t.Helper()
	g := testGenesis()
	g.RetargetIntervalBlocks = 0
	g.Bits, g.PowLimitBits = devnetBits, devnetBits
	p, err := consensus.NewParams(g)
	if err != nil {
		t.Fatal(err)
	}
	e, err := consensus.New(consensus.Config{Params: p, Store: store.NewMemory()})
	if err != nil {
		t.Fatal(err)
	}
	genesisTime := time.Unix(int64(g.Timestamp), 0)
	return &aheadSource{
		engine:    e,
		templates: make(chan int, 1000),
		submitted: make(chan error, 1000),
		clock:     genesisTime.Add(-time.Duration(g.MaxFutureBlockSeconds)*time.Second - ahead),
	}
}

func (s *aheadSource) now() time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.clock
}

func (s *aheadSource) advance(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.clock = s.clock.Add(d)
}

func (s *aheadSource) Template(payTo chain.Address) (*chain.Block, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls++
	trySend(s.templates, s.calls)
	tip := s.engine.Tip()
	bits, err := s.engine.NextBits(tip.Hash)
	if err != nil {
		return nil, err
	}
	return NewBlock(TemplateInput{Params: s.engine.Params(), Parent: tip.Hash, Height: tip.Height + 1,
		Bits: bits, MedianTime: tip.MedianTime, Now: s.clock, PayTo: payTo}), nil
}

func (s *aheadSource) SubmitBlock(b *chain.Block) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.submits++
	_, err := s.engine.ProcessBlock(b, s.clock)
	trySend(s.submitted, err)
	return err
}

func (s *aheadSource) counts() (templates, submits int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.calls, s.submits
}

func newClockMiner(t *testing.T, src *aheadSource, params *consensus.Params, logs *syncBuffer) *Miner {
	m := New(Config{Source: src, PayTo: testAddress("miner"), Threads: 1, RefreshInterval: time.Hour,
		Params: params, Now: src.now,
		Logger: slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))})
	t.Cleanup(m.Stop)
	return m
}

// With the chain's parameters the miner sees that a template is too far
// ahead of the clock: it mines nothing, says so once, however often it is
// woken, and mines again once the clock has caught up.
func TestMinerWaitsForTheClock(t *testing.T) {
	src := newAheadSource(t, 10*time.Second)
	logs := &syncBuffer{}
	m := newClockMiner(t, src, src.engine.Params(), logs)
	m.Start()
	recv(t, src.templates, "the first template")
	for i := range 3 {
		m.Notify()
		recv(t, src.templates, "template after Notify "+string(rune('1'+i)))
	}
	if _, submits := src.counts(); submits != 0 {
		t.Fatalf("%d blocks submitted while the chain is ahead of the clock", submits)
	}
	if n := strings.Count(logs.String(), "level=WARN msg=miner_waiting_for_clock"); n != 1 {
		t.Fatalf("the wait was logged %d times, want once:\n%s", n, logs.String())
	}

	src.advance(11 * time.Second) // the template is stamped the genesis time + 1
	m.Notify()
	if err := recv(t, src.submitted, "a block once the clock caught up"); err != nil {
		t.Fatalf("block after the wait refused: %v", err)
	}
	if out := logs.String(); !strings.Contains(out, "msg=miner_clock_caught_up") {
		t.Fatalf("the end of the wait was not logged:\n%s", out)
	}
}

// Without the chain's parameters the miner learns it from the refusal: it
// does not ask for the next template at once (which would mine the same
// refused block in a loop), only at a refresh or a Notify, and says so once.
func TestMinerBacksOffWhenBlocksAreTooNew(t *testing.T) {
	src := newAheadSource(t, 10*time.Second)
	logs := &syncBuffer{}
	m := newClockMiner(t, src, nil, logs)
	m.Start()
	for i := range 4 {
		if i > 0 {
			m.Notify()
		}
		err := recv(t, src.submitted, "a refused block")
		if !strings.Contains(err.Error(), "time-too-new") {
			t.Fatalf("block %d refused with %v, want time-too-new", i, err)
		}
	}
	m.Stop()
	// One template per start or Notify: a refusal asks for no new one.
	if templates, submits := src.counts(); templates != 4 || submits != 4 {
		t.Fatalf("%d templates and %d blocks for 1 start and 3 Notify calls, want 4 and 4", templates, submits)
	}
	if n := strings.Count(logs.String(), "level=WARN msg=miner_waiting_for_clock"); n != 1 {
		t.Fatalf("the wait was logged %d times, want once:\n%s", n, logs.String())
	}
}
