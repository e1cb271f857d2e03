package consensus

import (
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/devchain/devchain/chain"
	"github.com/devchain/devchain/consensus/store"
)

// ErrVerifyFailed is wrapped by VerifyChain when the stored state differs
// from a replay of the blocks.
var ErrVerifyFailed = errors.New("consensus: stored state does not match a replay")

// VerifyChain replays the active chain's blocks from genesis into a fresh
// in-memory engine, with full validation, and compares the resulting tip,
// UTXO set and address index with the stored ones (Bitcoin Core's
// verifychain, at its most thorough).
func (e *Engine) VerifyChain() error {
	replay, err := New(Config{Params: e.params, Store: store.NewMemory(), Indexers: e.indexers})
	if err != nil {
		return err
	}
	defer e.clearCache()
	for _, n := range e.main[1:] {
		b, err := e.loadBlock(n)
		if err != nil {
			return err
		}
		delete(e.blockCache, n.hash)
		if _, err := replay.ProcessBlock(b, time.Unix(int64(b.Header.Timestamp), 0)); err != nil {
			return fmt.Errorf("%w: block %s at height %d: %v", ErrVerifyFailed, n.hash, n.height, err)
		}
	}
	if got, want := replay.tip().hash, e.tip().hash; got != want {
		return fmt.Errorf("%w: replay ends at %s, stored tip is %s", ErrVerifyFailed, got, want)
	}
	if err := sameSequence("utxo set", e.store.ForEachUTXO, replay.store.ForEachUTXO); err != nil {
		return err
	}
	if e.keeps(AddressHistory{}) {
		if err := sameSequence("address history", e.store.ForEachHistory, replay.store.ForEachHistory); err != nil {
			return err
		}
	}
	return e.verifyAddressIndex(replay)
}

// verifyAddressIndex compares the unspent outputs listed by address with
// the replay's, for every address holding an output.
func (e *Engine) verifyAddressIndex(replay *Engine) error {
	addrs := map[chain.Address]struct{}{}
	if err := replay.store.ForEachUTXO(func(o store.Output) error {
		addrs[o.UTXO.Address] = struct{}{}
		return nil
	}); err != nil {
		return err
	}
	for addr := range addrs {
		stored, err := e.store.AddressUTXOs(addr)
		if err != nil {
			return err
		}
		want, err := replay.store.AddressUTXOs(addr)
		if err != nil {
			return err
		}
		if !slices.Equal(stored, want) {
			return fmt.Errorf("%w: address index of %x: %d outputs stored, replay gives %d", ErrVerifyFailed, addr[:], len(stored), len(want))
		}
	}
	return nil
}

// sameSequence compares two ordered iterations element by element.
func sameSequence[T comparable](what string, stored, replayed func(func(T) error) error) error {
	var want []T
	if err := replayed(func(v T) error { want = append(want, v); return nil }); err != nil {
		return err
	}
	i := 0
	err := stored(func(v T) error {
		if i >= len(want) {
			return fmt.Errorf("%w: %s: stored has extra entry %+v", ErrVerifyFailed, what, v)
		}
		if v != want[i] {
			return fmt.Errorf("%w: %s: entry %d is %+v, replay gives %+v", ErrVerifyFailed, what, i, v, want[i])
		}
		i++
		return nil
	})
	if err != nil {
		return err
	}
	if i < len(want) {
		return fmt.Errorf("%w: %s: stored lacks entry %+v", ErrVerifyFailed, what, want[i])
	}
	return nil
}
