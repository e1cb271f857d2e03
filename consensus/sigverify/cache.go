package sigverify

import (
	"crypto/rand"
	"crypto/sha256"
	"sync"

	"github.com/devchain/devchain/consensus"
)

// DefaultCacheEntries bounds a Cache made with NewCache(0): enough for the
// signatures of a full mempool of small transactions (about 64 bytes of
// memory each).
const DefaultCacheEntries = 200_000

// Cache is a consensus.SigCache: a bounded set of signature checks that
// verified, as Bitcoin Core's signature cache. An entry is the salted
// SHA-256 of the key, signature and digest, so a check is found only when
// all three are the ones that verified, and nobody can aim collisions at the
// set without knowing the salt. When full, an arbitrary entry is evicted.
type Cache struct {
	mu      sync.Mutex
	salt    [32]byte
	entries map[[32]byte]struct{}
	max     int
}

// NewCache returns an empty cache of at most maxEntries entries (0 or less:
// DefaultCacheEntries).
func NewCache(maxEntries int) *Cache {
	if maxEntries <= 0 {
		maxEntries = DefaultCacheEntries
	}
	c := &Cache{entries: make(map[[32]byte]struct{}), max: maxEntries}
	if _, err := rand.Read(c.salt[:]); err != nil {
		panic("sigverify: no randomness for the cache salt: " + err.Error())
	}
	return c
}

func (c *Cache) key(check *consensus.SigCheck) [32]byte {
	var buf [32 + 32 + 64 + 32]byte
	b := append(buf[:0], c.salt[:]...)
	b = append(b, check.PubKey[:]...)
	b = append(b, check.Signature[:]...)
	b = append(b, check.Digest[:]...)
	return sha256.Sum256(b)
}

// Add implements consensus.SigCache.
func (c *Cache) Add(check *consensus.SigCheck) {
	k := c.key(check)
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.entries[k]; ok {
		return
	}
	for len(c.entries) >= c.max {
		for old := range c.entries { // map order is arbitrary: a random eviction
			delete(c.entries, old)
			break
		}
	}
	c.entries[k] = struct{}{}
}

// Has implements consensus.SigCache.
func (c *Cache) Has(check *consensus.SigCheck) bool {
	k := c.key(check)
	c.mu.Lock()
	defer c.mu.Unlock()
	_, ok := c.entries[k]
	return ok
}

// Remove implements consensus.SigCache.
func (c *Cache) Remove(check *consensus.SigCheck) {
	k := c.key(check)
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.entries, k)
}

// Len returns the number of entries.
func (c *Cache) Len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.entries)
}
