// Package sigverify holds the signature verifier and the signature cache
// that a node injects into its consensus engine and mempool. The engine
// itself starts no goroutines: the parallel verifier lives here, outside
// it, and answers exactly as the engine's sequential default does.
package sigverify

import (
	"runtime"
	"sync"

	"github.com/devchain/devchain/consensus"
)

// Pool is a consensus.SigVerifier that verifies each batch on a fixed set
// of worker goroutines and on the goroutine waiting for the batch. Workers
// start on a batch's checks as soon as they are added, while the engine
// goes on walking the block. Its answers are those of
// consensus.SequentialVerifier: the lowest failing index and its error.
type Pool struct {
	jobs    chan *batch
	workers int
	wg      sync.WaitGroup
	mu      sync.RWMutex // held shared while handing out a batch, exclusively to close
	closed  bool
}

// NewPool starts workers goroutines (0 or less: runtime.NumCPU()-1, so that
// with the waiting goroutine every core verifies). Close stops them.
func NewPool(workers int) *Pool {
	if workers <= 0 {
		workers = runtime.NumCPU() - 1
	}
	p := &Pool{jobs: make(chan *batch, workers), workers: workers}
	p.wg.Add(workers)
	for range workers {
		go p.work()
	}
	return p
}

func (p *Pool) work() {
	defer p.wg.Done()
	for b := range p.jobs {
		b.help()
	}
}

// Begin implements consensus.SigVerifier.
func (p *Pool) Begin() consensus.SigBatch {
	if p.workers == 0 {
		return consensus.SequentialVerifier{}.Begin()
	}
	b := &batch{pool: p, lowest: -1}
	b.idle = sync.NewCond(&b.mu)
	return b
}

// VerifyBatch verifies checks on the pool and reports the lowest failing
// index, or -1.
func (p *Pool) VerifyBatch(checks []consensus.SigCheck) (int, error) {
	return consensus.VerifyBatch(p, checks)
}

// Close stops the workers; batches begun later are verified on the
// waiting goroutine only.
func (p *Pool) Close() {
	p.mu.Lock()
	if !p.closed {
		p.closed = true
		close(p.jobs)
	}
	p.mu.Unlock()
	p.wg.Wait()
}

// batch is one Begin..Wait. Added checks wait in a queue of chunks; the
// workers helping the batch and, in Wait, the caller take chunks from it.
type batch struct {
	pool *Pool

	mu      sync.Mutex
	idle    *sync.Cond // signalled when the last chunk in progress is done
	queue   []chunk
	added   int // checks added so far: the index of the next one
	busy    int // chunks being verified
	helpers int // workers on this batch
	lowest  int // lowest failing index found, -1 if none
	err     error
}

// chunk is checks added together, the first at index start.
type chunk struct {
	start  int
	checks []consensus.SigCheck
}

// Add implements consensus.SigBatch.
func (b *batch) Add(checks []consensus.SigCheck) {
	if len(checks) == 0 {
		return
	}
	b.mu.Lock()
	b.queue = append(b.queue, chunk{start: b.added, checks: checks})
	b.added += len(checks)
	call := b.helpers < b.pool.workers
	if call {
		b.helpers++
	}
	b.mu.Unlock()
	if call && !b.dispatch() {
		b.mu.Lock()
		b.helpers--
		b.mu.Unlock()
	}
}

// dispatch asks an idle worker to help, without waiting for one.
func (b *batch) dispatch() bool {
	p := b.pool
	p.mu.RLock()
	defer p.mu.RUnlock()
	if p.closed {
		return false
	}
	select {
	case p.jobs <- b:
		return true
	default:
		return false
	}
}

// take returns the next chunk worth verifying: chunks after a known
// failure cannot change the answer and are dropped.
func (b *batch) take() (chunk, bool) {
	for len(b.queue) > 0 {
		c := b.queue[0]
		b.queue = b.queue[1:]
		if b.lowest >= 0 && c.start > b.lowest {
			continue
		}
		b.busy++
		return c, true
	}
	return chunk{}, false
}

// verify checks a chunk and records its first failure.
func (b *batch) verify(c chunk) {
	for k := range c.checks {
		if err := c.checks[k].Verify(); err != nil {
			i := c.start + k
			b.mu.Lock()
			if b.lowest < 0 || i < b.lowest {
				b.lowest, b.err = i, err
			}
			b.mu.Unlock()
			break
		}
	}
	b.mu.Lock()
	b.busy--
	if b.busy == 0 {
		b.idle.Broadcast()
	}
	b.mu.Unlock()
}

// help is a worker's turn on the batch: chunks until the queue is empty.
func (b *batch) help() {
	for {
		b.mu.Lock()
		c, ok := b.take()
		if !ok {
			b.helpers--
			b.mu.Unlock()
			return
		}
		b.mu.Unlock()
		b.verify(c)
	}
}

// Wait implements consensus.SigBatch: the caller verifies chunks too, then
// waits for those in the workers' hands.
func (b *batch) Wait() (int, error) {
	for {
		b.mu.Lock()
		c, ok := b.take()
		if !ok {
			for b.busy > 0 {
				b.idle.Wait()
			}
			lowest, err := b.lowest, b.err
			b.mu.Unlock()
			return lowest, err
		}
		b.mu.Unlock()
		b.verify(c)
	}
}
