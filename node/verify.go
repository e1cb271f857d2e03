package node

import (
	"errors"

	"github.com/devchain/devchain/consensus"
)

// testHookVerifyReplay, when set, runs after VerifyChain took its snapshot
// and released the node, before the replay: tests use it to change the
// chain meanwhile.
var testHookVerifyReplay func()

// VerifyChain replays the active chain from genesis and compares the result
// with the stored state (the verifychain RPC). Only taking a snapshot of the
// chain holds the node; the replay, which can take minutes on a long chain,
// reads the snapshot while blocks and transactions go on being processed.
// It returns an error wrapping consensus.ErrVerifyFailed when the state does
// not match, and other errors when the store cannot be read.
func (n *Node) VerifyChain() error {
	n.mu.RLock()
	snap, err := n.engine.SnapshotChain()
	n.mu.RUnlock()
	if errors.Is(err, consensus.ErrNoSnapshot) {
		n.mu.Lock()
		defer n.mu.Unlock()
		return n.engine.VerifyChain()
	}
	if err != nil {
		return err
	}
	defer snap.Close()
	if testHookVerifyReplay != nil {
		testHookVerifyReplay()
	}
	n.log.Debug("verifychain_started", "height", snap.Height())
	return snap.Verify()
}
