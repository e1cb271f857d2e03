package miner

import (
	"errors"
	"fmt"
	"log/slog"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/devchain/devchain/chain"
	"github.com/devchain/devchain/consensus"
	"github.com/devchain/devchain/consensus/store"
)

// waitTimeout bounds every wait for an event; events normally arrive in
// milliseconds.
const waitTimeout = 20 * time.Second

func recv[T any](t *testing.T, ch <-chan T, what string) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(waitTimeout):
		t.Fatalf("timed out waiting for %s", what)
		panic("unreachable")
	}
}

// trySend never blocks, so a slow test cannot stall the miner's goroutines
// (and Stop with them).
func trySend[T any](ch chan<- T, v T) {
	select {
	case ch <- v:
	default:
	}
}

// fakeSource hands out templates at fixed bits, each on its own made-up
// parent, and records what the miner does.
type fakeSource struct {
	t           *testing.T
	params      *consensus.Params
	bits        func(call int) uint32
	templateErr func(call int) error
	submitErr   func(n int) error

	mu        sync.Mutex
	calls     int
	submits   int
	templates chan int          // template call numbers
	submitted chan *chain.Block // submitted blocks
}

func newFakeSource(t *testing.T, bits uint32) *fakeSource {
	return &fakeSource{
		t:         t,
		params:    testParams(t),
		bits:      func(int) uint32 { return bits },
		templates: make(chan int, 1000),
		submitted: make(chan *chain.Block, 1000),
	}
}

func (s *fakeSource) Template(payTo chain.Address) (*chain.Block, error) {
	s.mu.Lock()
	s.calls++
	n := s.calls
	s.mu.Unlock()
	trySend(s.templates, n)
	if s.templateErr != nil {
		if err := s.templateErr(n); err != nil {
			return nil, err
		}
	}
	in := testInput(s.params, uint32(n), s.bits(n))
	in.Parent = chain.DoubleSHA256([]byte(fmt.Sprint("parent", n)))
	in.PayTo = payTo
	in.Now = time.Now()
	return NewBlock(in), nil
}

func (s *fakeSource) SubmitBlock(b *chain.Block) error {
	s.mu.Lock()
	s.submits++
	n := s.submits
	s.mu.Unlock()
	trySend(s.submitted, b)
	if s.submitErr != nil {
		return s.submitErr(n)
	}
	return nil
}

type workEvent struct {
	started bool
	gen     uint64
	thread  int
}

// newTestMiner returns a miner on src whose workers report to the returned
// channel.
func newTestMiner(t *testing.T, src Source, threads int, refresh time.Duration, logs *syncBuffer) (*Miner, *workLog) {
	cfg := Config{Source: src, PayTo: testAddress("miner"), Threads: threads, RefreshInterval: refresh}
	if logs != nil {
		cfg.Logger = slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	m := New(cfg)
	events := make(chan workEvent, 10000)
	m.onWork = func(started bool, gen uint64, thread int) { trySend(events, workEvent{started, gen, thread}) }
	t.Cleanup(m.Stop)
	return m, &workLog{ch: events}
}

// workLog keeps every worker event seen, so waits for different
// conditions do not consume each other's events.
type workLog struct {
	ch   <-chan workEvent
	seen []workEvent
}

// wait waits until threads distinct workers reported started (or left)
// work on one generation accepted by genOK, and returns the lowest such
// generation.
func (w *workLog) wait(t *testing.T, started bool, threads int, genOK func(uint64) bool) uint64 {
	t.Helper()
	for {
		byGen := map[uint64]map[int]bool{}
		best := uint64(0)
		for _, ev := range w.seen {
			if ev.started != started || !genOK(ev.gen) {
				continue
			}
			if byGen[ev.gen] == nil {
				byGen[ev.gen] = map[int]bool{}
			}
			byGen[ev.gen][ev.thread] = true
			if len(byGen[ev.gen]) == threads && (best == 0 || ev.gen < best) {
				best = ev.gen
			}
		}
		if best != 0 {
			return best
		}
		w.seen = append(w.seen, recv(t, w.ch, fmt.Sprintf("%d workers (started=%v)", threads, started)))
	}
}

func anyGen(uint64) bool { return true }

func checkMinedBlock(t *testing.T, p *consensus.Params, b *chain.Block, payTo chain.Address) {
	t.Helper()
	if err := consensus.CheckProofOfWork(&b.Header, p.PowLimit); err != nil {
		t.Fatal(err)
	}
	if err := consensus.CheckBlockSanity(b, p); err != nil {
		t.Fatal(err)
	}
	if out := b.Transactions[0].Outputs[0]; out.Address != payTo {
		t.Fatalf("coinbase pays %x, want %x", out.Address, payTo)
	}
}

func TestMinerSubmitsBlocks(t *testing.T) {
	src := newFakeSource(t, devnetBits)
	logs := &syncBuffer{}
	m, _ := newTestMiner(t, src, 2, time.Hour, logs)
	m.Start()
	if !m.Running() {
		t.Fatal("not running after Start")
	}
	seen := map[chain.Hash]bool{}
	for range 5 {
		b := recv(t, src.submitted, "a submitted block")
		checkMinedBlock(t, src.params, b, testAddress("miner"))
		if seen[b.Hash()] {
			t.Fatalf("block %s submitted twice", b.Hash())
		}
		seen[b.Hash()] = true
	}
	if rate := m.HashesPerSecond(); rate <= 0 {
		t.Fatalf("HashesPerSecond = %v while mining", rate)
	}
	m.Stop()
	if m.Running() || m.HashesPerSecond() != 0 {
		t.Fatal("still running after Stop")
	}
	out := logs.String()
	if !strings.Contains(out, "msg=block_mined height=") || !strings.Contains(out, " hash=") {
		t.Fatalf("no block_mined log with height and hash:\n%s", out)
	}
}

// TestMinerNotify: after Notify every thread leaves the current template
// and the miner mines a new one.
func TestMinerNotify(t *testing.T) {
	src := newFakeSource(t, hardBits)
	m, events := newTestMiner(t, src, 2, time.Hour, nil)
	m.Start()
	if n := recv(t, src.templates, "the first template"); n != 1 {
		t.Fatalf("template call %d", n)
	}
	first := events.wait(t, true, 2, anyGen)

	m.Notify()
	events.wait(t, false, 2, func(g uint64) bool { return g == first })
	if n := recv(t, src.templates, "the template after Notify"); n != 2 {
		t.Fatalf("template call %d", n)
	}
	events.wait(t, true, 2, func(g uint64) bool { return g > first })
}

// TestMinerNotifyMinesNewTemplate: the first template cannot be solved, the
// one fetched after Notify can; the submitted block is the new one.
func TestMinerNotifyMinesNewTemplate(t *testing.T) {
	src := newFakeSource(t, hardBits)
	src.bits = func(call int) uint32 {
		if call == 1 {
			return hardBits
		}
		return devnetBits
	}
	m, _ := newTestMiner(t, src, 2, time.Hour, nil)
	m.Start()
	recv(t, src.templates, "the first template")
	m.Notify()
	b := recv(t, src.submitted, "a block from the second template")
	if h := b.Transactions[0].CoinbaseHeight(); h < 2 {
		t.Fatalf("block from template %d", h)
	}
	checkMinedBlock(t, src.params, b, testAddress("miner"))
}

func TestMinerRefreshesTemplate(t *testing.T) {
	src := newFakeSource(t, hardBits)
	m, events := newTestMiner(t, src, 1, 20*time.Millisecond, nil)
	m.Start()
	for want := 1; want <= 4; want++ {
		if n := recv(t, src.templates, "a refreshed template"); n != want {
			t.Fatalf("template call %d, want %d", n, want)
		}
	}
	// The worker moved on from the first template by itself.
	first := events.wait(t, true, 1, anyGen)
	events.wait(t, false, 1, func(g uint64) bool { return g == first })
}

func TestMinerSubmitErrorIsLogged(t *testing.T) {
	src := newFakeSource(t, devnetBits)
	src.submitErr = func(n int) error {
		if n == 1 {
			return errors.New("node says no")
		}
		return nil
	}
	logs := &syncBuffer{}
	m, _ := newTestMiner(t, src, 1, time.Hour, logs)
	m.Start()
	recv(t, src.submitted, "the refused block")
	recv(t, src.submitted, "a block after the refusal") // one thread: the refusal was logged before
	if out := logs.String(); !strings.Contains(out, "msg=block_submit_failed") || !strings.Contains(out, `err="node says no"`) {
		t.Fatalf("refusal not logged:\n%s", out)
	}
	if !m.Running() {
		t.Fatal("a refused block stopped the miner")
	}
}

func TestMinerTemplateErrorRetries(t *testing.T) {
	src := newFakeSource(t, devnetBits)
	src.templateErr = func(n int) error {
		if n == 1 {
			return errors.New("syncing")
		}
		return nil
	}
	logs := &syncBuffer{}
	m, _ := newTestMiner(t, src, 1, time.Hour, logs)
	m.Start()
	recv(t, src.templates, "the failing template call")
	m.Notify() // retry now rather than after retryDelay
	b := recv(t, src.submitted, "a block after the failure")
	checkMinedBlock(t, src.params, b, testAddress("miner"))
	if out := logs.String(); !strings.Contains(out, "msg=template_failed err=syncing") {
		t.Fatalf("template failure not logged:\n%s", out)
	}
}

func TestMinerRejectsTemplateWithoutCoinbase(t *testing.T) {
	src := &funcSource{template: func() (*chain.Block, error) {
		return &chain.Block{Header: chain.BlockHeader{Bits: devnetBits}, Transactions: []*chain.Transaction{fakeTx("x", 1)}}, nil
	}}
	logs := &syncBuffer{}
	m, _ := newTestMiner(t, src, 1, time.Hour, logs)
	called := make(chan struct{}, 100)
	src.called = called
	m.Start()
	recv(t, called, "a template call")
	m.Stop() // the failure is logged before the call returns to the loop
	if out := logs.String(); !strings.Contains(out, "template_failed") {
		t.Fatalf("bad template not refused:\n%s", out)
	}
	if src.submits != 0 {
		t.Fatal("mined a template without a coinbase")
	}
}

// funcSource serves templates from a function.
type funcSource struct {
	template func() (*chain.Block, error)
	called   chan struct{}
	submits  int
}

func (s *funcSource) Template(chain.Address) (*chain.Block, error) {
	defer trySend(s.called, struct{}{})
	return s.template()
}

func (s *funcSource) SubmitBlock(*chain.Block) error { s.submits++; return nil }

func TestMinerStartStop(t *testing.T) {
	src := newFakeSource(t, hardBits)
	m, events := newTestMiner(t, src, 2, time.Hour, nil)
	if m.Running() || m.HashesPerSecond() != 0 {
		t.Fatal("a new Miner must be stopped")
	}
	m.Stop() // stopping a stopped miner is fine
	m.Start()
	m.Start() // idempotent
	first := events.wait(t, true, 2, anyGen)
	m.Stop()
	m.Stop()
	if m.Running() {
		t.Fatal("running after Stop")
	}
	// Restart: a new template, new work.
	m.Start()
	events.wait(t, true, 2, func(g uint64) bool { return g > first })
	m.Stop()
}

func TestMinerSetThreads(t *testing.T) {
	src := newFakeSource(t, hardBits)
	m, events := newTestMiner(t, src, 1, time.Hour, nil)
	if m.Threads() != 1 {
		t.Fatalf("Threads() = %d", m.Threads())
	}
	m.SetThreads(3) // stopped: only recorded
	if m.Running() || m.Threads() != 3 {
		t.Fatal("SetThreads on a stopped miner")
	}
	m.SetThreads(1)
	m.Start()
	first := events.wait(t, true, 1, anyGen)
	m.SetThreads(2) // restarts with two workers
	if !m.Running() || m.Threads() != 2 {
		t.Fatalf("running %v threads %d", m.Running(), m.Threads())
	}
	events.wait(t, true, 2, func(g uint64) bool { return g > first })
	m.SetThreads(0)
	if m.Threads() != min(runtime.NumCPU(), MaxThreads) {
		t.Fatalf("SetThreads(0) gives %d threads", m.Threads())
	}
	m.SetThreads(MaxThreads + 10)
	if m.Threads() != MaxThreads {
		t.Fatalf("SetThreads over the cap gives %d threads", m.Threads())
	}
	m.Stop()
}

func TestRateMeter(t *testing.T) {
	var r rateMeter
	t0 := time.Unix(1000, 0)
	if r.rate(t0, 0) != 0 {
		t.Fatal("an empty meter reads 0")
	}
	r.reset(t0, 100)
	if got := r.rate(t0.Add(2*time.Second), 100+2_000_000); got != 1_000_000 {
		t.Fatalf("rate %v, want 1e6", got)
	}
	// After the window fills, the oldest sample is dropped: the rate
	// follows the last ten seconds, not the average since the start.
	count := uint64(100)
	for i := 1; i <= 20; i++ {
		if i <= 10 {
			count += 1_000_000
		} else {
			count += 5_000_000
		}
		r.sample(t0.Add(time.Duration(i)*time.Second), count)
	}
	if got := r.rate(t0.Add(20*time.Second), count); got != 5_000_000 {
		t.Fatalf("rate %v, want 5e6 over the last window", got)
	}
}

// engineSource is what the node does: templates from the engine's tip,
// solved blocks back into the engine, Notify on a new tip.
type engineSource struct {
	mu      sync.Mutex
	engine  *consensus.Engine
	miner   *Miner
	target  uint32
	reached chan struct{}
	once    sync.Once
}

func (s *engineSource) Template(payTo chain.Address) (*chain.Block, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	tip := s.engine.Tip()
	bits, err := s.engine.NextBits(tip.Hash)
	if err != nil {
		return nil, err
	}
	return NewBlock(TemplateInput{
		Params:     s.engine.Params(),
		Parent:     tip.Hash,
		Height:     tip.Height + 1,
		Bits:       bits,
		MedianTime: tip.MedianTime,
		Now:        time.Now(),
		PayTo:      payTo,
	}), nil
}

func (s *engineSource) SubmitBlock(b *chain.Block) error {
	s.mu.Lock()
	res, err := s.engine.ProcessBlock(b, time.Now())
	height := s.engine.Height()
	s.mu.Unlock()
	if err != nil {
		return err
	}
	if res.Status == consensus.StatusMainChain {
		s.miner.Notify()
	}
	if height >= s.target {
		s.once.Do(func() { close(s.reached) })
	}
	return nil
}

func TestMinerWithEngine(t *testing.T) {
	p := testParams(t)
	e, err := consensus.New(consensus.Config{Params: p, Store: store.NewMemory()})
	if err != nil {
		t.Fatal(err)
	}
	src := &engineSource{engine: e, target: 25, reached: make(chan struct{})} // past the retarget at 20
	payTo := testAddress("miner")
	m := New(Config{Source: src, PayTo: payTo, Threads: 2})
	src.miner = m
	t.Cleanup(m.Stop)
	m.Start()
	recv(t, src.reached, "height 25")
	m.Stop()

	src.mu.Lock()
	defer src.mu.Unlock()
	tip := e.Tip()
	if tip.Height < 25 {
		t.Fatalf("tip height %d", tip.Height)
	}
	utxos, err := e.AddressUTXOs(payTo)
	if err != nil {
		t.Fatal(err)
	}
	if len(utxos) < int(tip.Height) {
		t.Fatalf("%d coinbase outputs to the miner on a chain of %d blocks", len(utxos), tip.Height)
	}
}
