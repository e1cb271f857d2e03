package consensus_test

import (
	"testing"

	"github.com/devchain/devchain/consensus/consensustest"
)

// TestScenarios runs the fork stories in testdata/scenarios on both stores:
// the transcripts are the same for both, so the Badger store behaves exactly
// as the in-memory one.
func TestScenarios(t *testing.T) {
	stores := map[string]func(testing.TB) consensustest.StoreOpener{
		"memory": func(testing.TB) consensustest.StoreOpener { return consensustest.MemoryStore() },
		"badger": consensustest.BadgerStore,
	}
	for name, open := range stores {
		t.Run(name, func(t *testing.T) {
			consensustest.RunScenarios(t, "testdata/scenarios", open)
		})
	}
}
