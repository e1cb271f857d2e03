package badgerstore

import (
	"sync"

	"github.com/devchain/devchain/chain"
	"github.com/devchain/devchain/consensus/store"
)

// utxoCacheEntries bounds the Badger store's UTXO cache (about 100 bytes
// each).
const utxoCacheEntries = 100_000

// utxoCache holds unspent outputs the store read or wrote recently, so
// that validating a block does not read back from Badger the outputs the
// mempool just looked up, or that the previous blocks created. It is a
// pure cache: it only ever holds an output while it is unspent in the
// store (every Apply removes what it spends and adds what it creates,
// under the same lock), and a miss reads Badger. When full, an arbitrary
// entry is evicted.
type utxoCache struct {
	mu      sync.Mutex
	entries map[chain.OutPoint]store.UTXO
	max     int
	gen     uint64 // bumped by every Apply: a read that began before one must not fill
}

func newUTXOCache(max int) utxoCache {
	return utxoCache{entries: make(map[chain.OutPoint]store.UTXO), max: max}
}

// get returns the cached output, or the generation to pass to fill after
// reading the store.
func (c *utxoCache) get(op chain.OutPoint) (store.UTXO, bool, uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	u, ok := c.entries[op]
	return u, ok, c.gen
}

// fill caches an output read from the store, unless an update was applied
// since the read began (the output may be spent by now).
func (c *utxoCache) fill(op chain.OutPoint, u store.UTXO, gen uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if gen == c.gen {
		c.put(op, u)
	}
}

func (c *utxoCache) put(op chain.OutPoint, u store.UTXO) {
	if _, ok := c.entries[op]; !ok {
		for len(c.entries) >= c.max {
			for old := range c.entries {
				delete(c.entries, old)
				break
			}
		}
	}
	c.entries[op] = u
}

// begin starts an update: reads that began before it may not fill.
func (c *utxoCache) begin() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
}

// apply mirrors an update once written: spent outputs leave, created ones
// enter.
func (c *utxoCache) apply(u *store.Update) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	for _, o := range u.Remove {
		delete(c.entries, o.OutPoint)
	}
	for _, o := range u.Add {
		c.put(o.OutPoint, o.UTXO)
	}
}

// reset empties the cache (after a failed write, whose effect is unknown).
func (c *utxoCache) reset() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	clear(c.entries)
}
