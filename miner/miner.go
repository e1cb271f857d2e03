package miner

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/devchain/devchain/chain"
	"github.com/devchain/devchain/consensus"
)

// Source is where a Miner gets its work and delivers its blocks: the node.
//
// The Miner never modifies a template: its workers mine copies, each writing
// its own extra nonce over the first 8 bytes of the coinbase's free data
// (whatever extra nonce the template carried is replaced). SubmitBlock may be
// called from several workers at once, and also with a block of a template
// that has just been retired (the node judges it, as it would a peer's).
type Source interface {
	// Template returns a fresh block to mine paying payTo (the node builds it
	// under its lock from the engine and mempool).
	Template(payTo chain.Address) (*chain.Block, error)
	// SubmitBlock hands a solved block to the node.
	SubmitBlock(b *chain.Block) error
}

// Defaults and limits of a Miner.
const (
	// DefaultRefreshInterval is how often a template is replaced when nothing
	// else (Notify, a found block) replaces it sooner.
	DefaultRefreshInterval = 5 * time.Second
	// MaxThreads bounds the number of worker goroutines.
	MaxThreads = 256
	// retryDelay is the pause before asking again after Template failed.
	retryDelay = time.Second
	// rateWindow is the number of one-second samples HashesPerSecond spans.
	rateWindow = 10
	// clockWarnInterval is how often waiting for the clock is logged as a
	// warning; other waits are logged at debug level.
	clockWarnInterval = 10 * time.Minute
)

// Config configures a Miner.
type Config struct {
	Source Source // required
	PayTo  chain.Address
	// Threads is the number of worker goroutines; 0 or less means
	// runtime.NumCPU(), and at most MaxThreads are started.
	Threads int
	// Logger receives block_mined and error events; nil discards them.
	Logger *slog.Logger
	// RefreshInterval replaces the template this often to keep its timestamp
	// and transactions fresh; 0 means DefaultRefreshInterval.
	RefreshInterval time.Duration
	// Params, when set, lets the Miner see that a template's timestamp is
	// more than max_future_block_seconds past the clock (a chain whose
	// blocks ran ahead of time): it then waits for the clock instead of
	// mining blocks the node would refuse. Without Params the Miner learns
	// it from the Source refusing a block as time-too-new, and waits for
	// the next refresh or Notify before mining again.
	Params *consensus.Params
	// Now is the clock the template timestamps are checked against; nil
	// means time.Now.
	Now func() time.Time
}

// Miner mines blocks from a Source with a number of worker goroutines.
//
// Start, Stop and SetThreads are serialised among themselves and wait for the
// goroutines they stop, so a Source must not call them from Template or
// SubmitBlock, and a caller must not hold a lock the Source needs while
// calling them. Notify, Running and HashesPerSecond never block and may be
// called from anywhere, including the Source.
type Miner struct {
	src     Source
	payTo   chain.Address
	log     *slog.Logger
	refresh time.Duration
	params  *consensus.Params
	now     func() time.Time

	life    sync.Mutex // serialises Start, Stop and SetThreads
	threads int        // guarded by life
	run     *run       // the running goroutines, nil when stopped; guarded by life

	running atomic.Bool
	// gen is bumped whenever the current template is retired: by Notify,
	// when a new template is published, when a block is found and on Stop.
	// Workers drop a job whose generation is no longer gen.
	gen    atomic.Uint64
	wake   chan struct{} // asks the coordinator for a new template now
	board  board
	jobSeq atomic.Uint64 // numbers jobs; the high half of their extra nonces
	hashes atomic.Uint64 // nonces tried since New
	meter  rateMeter
	// waitingClock is set while templates are too far ahead of the clock
	// to be accepted, so the wait is logged once, not at every attempt.
	waitingClock atomic.Bool
	// clockWarned is when the wait was last logged as a warning (unix
	// nanoseconds): a chain at the clock's edge waits a second or so for
	// every few blocks, and says so once per clockWarnInterval.
	clockWarned atomic.Int64

	// onWork, when set before Start, is called as a worker takes up a job
	// (started) and as it leaves it: tests use it to see every thread drop a
	// retired template.
	onWork func(started bool, gen uint64, thread int)
}

// run is one Start..Stop lifetime of the goroutines.
type run struct {
	quit    chan struct{}
	stopped atomic.Bool
	wg      sync.WaitGroup
}

// job is a template being mined. Workers share it read-only and mine copies.
type job struct {
	block     *chain.Block
	gen       uint64
	extraBase uint64 // first extra nonce; workers count up from it
}

// board holds the current job; changed is closed when a new one is posted.
type board struct {
	mu      sync.Mutex
	job     *job
	changed chan struct{}
}

func (b *board) get() (*job, <-chan struct{}) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.changed == nil {
		b.changed = make(chan struct{})
	}
	return b.job, b.changed
}

func (b *board) post(j *job) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.job = j
	if b.changed != nil {
		close(b.changed)
	}
	b.changed = make(chan struct{})
}

// New returns a stopped Miner.
func New(cfg Config) *Miner {
	m := &Miner{
		src:     cfg.Source,
		payTo:   cfg.PayTo,
		log:     cfg.Logger,
		refresh: cfg.RefreshInterval,
		params:  cfg.Params,
		now:     cfg.Now,
		threads: clampThreads(cfg.Threads),
		wake:    make(chan struct{}, 1),
	}
	if m.log == nil {
		m.log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if m.refresh <= 0 {
		m.refresh = DefaultRefreshInterval
	}
	if m.now == nil {
		m.now = time.Now
	}
	// Start job numbers at a random point so two miners paying the same
	// address with the same template do not search the same extra nonces.
	m.jobSeq.Store(uint64(rand.Uint32()))
	return m
}

func clampThreads(n int) int {
	if n <= 0 {
		n = runtime.NumCPU()
	}
	return min(n, MaxThreads)
}

// Start starts the coordinator and the worker goroutines. Calling it on a
// running Miner does nothing.
func (m *Miner) Start() {
	m.life.Lock()
	defer m.life.Unlock()
	m.start()
}

func (m *Miner) start() {
	if m.run != nil {
		return
	}
	r := &run{quit: make(chan struct{})}
	m.run = r
	select { // a wake left from before Start is served by the first fetch
	case <-m.wake:
	default:
	}
	m.board.post(nil)
	m.meter.reset(time.Now(), m.hashes.Load())
	m.running.Store(true)
	r.wg.Add(1 + m.threads)
	go m.coordinate(r)
	for i := range m.threads {
		go m.work(r, i, m.threads)
	}
	m.log.Info("miner_started", "threads", m.threads)
}

// Stop stops the goroutines and waits for them to return (a Template or
// SubmitBlock call in progress finishes first). Calling it on a stopped
// Miner does nothing.
func (m *Miner) Stop() {
	m.life.Lock()
	defer m.life.Unlock()
	m.stop()
}

func (m *Miner) stop() {
	r := m.run
	if r == nil {
		return
	}
	r.stopped.Store(true)
	m.gen.Add(1)
	close(r.quit)
	r.wg.Wait()
	m.run = nil
	m.running.Store(false)
	m.log.Info("miner_stopped")
}

// Running reports whether the Miner is started.
func (m *Miner) Running() bool { return m.running.Load() }

// SetThreads sets the number of worker goroutines (0 or less: one per CPU),
// restarting them if the Miner is running.
func (m *Miner) SetThreads(n int) {
	m.life.Lock()
	defer m.life.Unlock()
	n = clampThreads(n)
	if n == m.threads {
		return
	}
	m.threads = n
	if m.run != nil {
		m.stop()
		m.start()
	}
}

// Threads returns the number of worker goroutines the Miner runs.
func (m *Miner) Threads() int {
	m.life.Lock()
	defer m.life.Unlock()
	return m.threads
}

// Notify tells the Miner that the tip changed or better transactions
// arrived: every worker drops the current template within a few thousand
// nonces and the coordinator fetches a new one. It never blocks.
func (m *Miner) Notify() {
	m.gen.Add(1)
	m.poke()
}

func (m *Miner) poke() {
	select {
	case m.wake <- struct{}{}:
	default:
	}
}

// HashesPerSecond returns the hash rate over the last ten seconds or so, 0
// when the Miner is stopped.
func (m *Miner) HashesPerSecond() float64 {
	if !m.running.Load() {
		return 0
	}
	return m.meter.rate(time.Now(), m.hashes.Load())
}

// coordinate fetches templates: at start, on Notify or a found block, every
// refresh interval, and again after a failure.
func (m *Miner) coordinate(r *run) {
	defer r.wg.Done()
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	next := time.NewTimer(0)
	defer next.Stop()
	var lastErr string
	for {
		select {
		case <-r.quit:
			return
		case now := <-tick.C:
			m.meter.sample(now, m.hashes.Load())
			continue
		case <-m.wake:
		case <-next.C:
		}
		if r.stopped.Load() {
			return
		}
		var early *tooEarlyError
		err := m.fetch()
		if errors.As(err, &early) {
			// Nothing can be mined before the clock reaches the earliest
			// time the template's timestamp is accepted; a new tip (Notify)
			// only pushes that time further.
			m.startWaitingForClock("block_time", early.blockTime, "wait", early.wait)
			next.Reset(min(early.wait, m.refresh))
			continue
		}
		if err != nil {
			// Log each new failure once; repeats (the node syncing, say) go
			// to debug.
			level := slog.LevelWarn
			if err.Error() == lastErr {
				level = slog.LevelDebug
			}
			lastErr = err.Error()
			m.log.Log(context.Background(), level, "template_failed", "err", err)
			next.Reset(retryDelay)
			continue
		}
		lastErr = ""
		if m.params != nil {
			m.stopWaitingForClock()
		}
		next.Reset(m.refresh)
	}
}

// startWaitingForClock logs that blocks are ahead of the clock: once per
// wait, and as a warning once per clockWarnInterval.
func (m *Miner) startWaitingForClock(args ...any) {
	if !m.waitingClock.CompareAndSwap(false, true) {
		return
	}
	now := m.now().UnixNano()
	last := m.clockWarned.Load()
	level := slog.LevelDebug
	if (last == 0 || now-last >= int64(clockWarnInterval)) && m.clockWarned.CompareAndSwap(last, now) {
		level = slog.LevelWarn
	}
	m.log.Log(context.Background(), level, "miner_waiting_for_clock", args...)
}

func (m *Miner) stopWaitingForClock() {
	if m.waitingClock.CompareAndSwap(true, false) {
		m.log.Debug("miner_clock_caught_up")
	}
}

// tooEarlyError says a template's timestamp is too far past the clock to be
// accepted before wait has elapsed.
type tooEarlyError struct {
	blockTime time.Time
	wait      time.Duration
}

func (e *tooEarlyError) Error() string {
	return fmt.Sprintf("miner: template time %s is too far past the clock: waiting %s", e.blockTime.UTC().Format(time.RFC3339), e.wait)
}

// checkClock returns a *tooEarlyError when b's timestamp is more than
// max_future_block_seconds past the clock (known only with Params).
func (m *Miner) checkClock(b *chain.Block) error {
	if m.params == nil {
		return nil
	}
	blockTime := time.Unix(int64(b.Header.Timestamp), 0)
	earliest := blockTime.Add(-time.Duration(m.params.MaxFutureBlockSeconds) * time.Second)
	if wait := earliest.Sub(m.now()); wait > 0 {
		return &tooEarlyError{blockTime: blockTime, wait: wait}
	}
	return nil
}

var errNoCoinbase = errors.New("miner: template does not start with a coinbase")

// fetch asks the Source for a template and posts it as the current job,
// retiring the previous one.
func (m *Miner) fetch() error {
	b, err := m.src.Template(m.payTo)
	if err != nil {
		return err
	}
	if b == nil || !hasCoinbase(b) {
		return errNoCoinbase
	}
	if _, ok := targetFromBits(b.Header.Bits); !ok {
		return fmt.Errorf("miner: template bits %08x encode no positive target", b.Header.Bits)
	}
	if err := m.checkClock(b); err != nil {
		return err
	}
	j := &job{block: b, extraBase: m.jobSeq.Add(1) << 32}
	j.gen = m.gen.Add(1)
	m.board.post(j)
	return nil
}

// work is worker thread of threads: it mines each new job until the job is
// retired or the run stops.
func (m *Miner) work(r *run, thread, threads int) {
	defer r.wg.Done()
	s := newSearcher()
	var last *job
	for !r.stopped.Load() {
		j, changed := m.board.get()
		if j != nil && j != last && j.gen == m.gen.Load() {
			last = j
			if m.onWork != nil {
				m.onWork(true, j.gen, thread)
			}
			m.mine(r, s, j, thread, threads)
			if m.onWork != nil {
				m.onWork(false, j.gen, thread)
			}
			continue
		}
		select {
		case <-changed:
		case <-r.quit:
			return
		}
	}
}

// mine searches this thread's share of the nonce space of j (nonces thread,
// thread+threads, ...) for extra nonces extraBase, extraBase+1, ...: each
// thread covers its own residue class for every extra nonce, so the threads
// never repeat each other's work even when they change extra nonce at
// different times.
func (m *Miner) mine(r *run, s *searcher, j *job, thread, threads int) {
	b := cloneForMining(j.block)
	var reported uint64
	retired := func(done uint64) bool {
		m.hashes.Add(done - reported)
		reported = done
		return r.stopped.Load() || m.gen.Load() != j.gen
	}
	for extra := j.extraBase; ; extra++ {
		SetExtraNonce(b, extra)
		s.reset(&b.Header)
		reported = 0
		found, nonce, hashes := s.search(uint32(thread), uint32(threads), retired)
		stale := retired(hashes) // counts the hashes since the last check
		if found {
			b.Header.Nonce = nonce
			m.submit(j, b)
			return
		}
		if stale {
			return
		}
	}
}

// submit retires the job (the other threads stop at once), hands the block
// to the Source and asks for the next template.
func (m *Miner) submit(j *job, b *chain.Block) {
	// If the job was retired meanwhile (Notify, a refresh), the block may be
	// stale but it is still valid work: submit it and let the node judge.
	m.gen.CompareAndSwap(j.gen, j.gen+1)
	height := b.Transactions[0].CoinbaseHeight()
	hash := b.Hash()
	m.log.Info("block_mined", "height", height, "hash", hash)
	err := m.src.SubmitBlock(b)
	switch {
	case errors.Is(err, consensus.ErrTimeTooNew):
		// The chain ran ahead of the clock (blocks at the median time past
		// + 1 on a chain that never retargets): asking again at once would
		// mine the same refused block in a loop. The next template comes
		// with the refresh interval or a Notify.
		m.startWaitingForClock("height", height, "err", err)
		return
	case err != nil:
		m.log.Warn("block_submit_failed", "height", height, "hash", hash, "err", err)
	default:
		m.stopWaitingForClock()
	}
	m.poke()
}

// rateMeter turns a running hash count into a recent rate: a ring of
// one-second samples of (time, count).
type rateMeter struct {
	mu      sync.Mutex
	samples [rateWindow]rateSample
	n, next int // samples held; index of the next write
}

type rateSample struct {
	t     time.Time
	count uint64
}

func (r *rateMeter) reset(now time.Time, count uint64) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.n, r.next = 0, 0
	r.push(now, count)
}

func (r *rateMeter) sample(now time.Time, count uint64) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.push(now, count)
}

func (r *rateMeter) push(now time.Time, count uint64) {
	r.samples[r.next] = rateSample{now, count}
	r.next = (r.next + 1) % rateWindow
	r.n = min(r.n+1, rateWindow)
}

// rate returns the hashes per second between the oldest sample and now.
func (r *rateMeter) rate(now time.Time, count uint64) float64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.n == 0 {
		return 0
	}
	oldest := r.samples[(r.next-r.n+rateWindow)%rateWindow]
	dt := now.Sub(oldest.t).Seconds()
	if dt <= 0 {
		return 0
	}
	return float64(count-oldest.count) / dt
}
