package consensustest

import (
	"testing"

	"github.com/devchain/devchain/consensus/store"
	"github.com/devchain/devchain/consensus/store/badgerstore"
)

// StoreOpener opens the store a harness runs on. It is called again by
// Harness.Restart after the previous store was closed, and must return the
// same persisted state.
type StoreOpener func() (store.Store, error)

// MemoryStore returns an opener of one in-memory store: a restart keeps
// its content, as a datadir would.
func MemoryStore() StoreOpener {
	m := store.NewMemory()
	return func() (store.Store, error) { return m, nil }
}

// BadgerStore returns an opener of a Badger store in a fresh temporary
// directory of t.
func BadgerStore(t testing.TB) StoreOpener {
	dir := t.TempDir()
	return func() (store.Store, error) { return badgerstore.Open(dir, badgerstore.Options{}) }
}
