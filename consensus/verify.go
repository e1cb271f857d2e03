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
// verifychain, at its most thorough). It reads the store while the engine
// is held; SnapshotChain lets the replay run without holding it.
func (e *Engine) VerifyChain() error {
	return verifyReplay(e.params, e.indexers, e.mainHashes(), e.store)
}

// ErrNoSnapshot is returned by SnapshotChain when the store cannot take a
// snapshot of itself (it does not implement store.Snapshotter).
var ErrNoSnapshot = errors.New("consensus: the store cannot take a snapshot")

// ChainSnapshot is the active chain and the stored state it produced, as of
// one instant: what VerifyChain checks, taken while the engine is held (a
// copy of the chain's hashes and a store snapshot, no replay) and verified
// afterwards without it, while the engine goes on processing blocks.
type ChainSnapshot struct {
	params   *Params
	indexers []Indexer
	main     []chain.Hash // the active chain, by height
	store    store.Snapshot
}

// SnapshotChain takes a ChainSnapshot. The caller must Close it.
func (e *Engine) SnapshotChain() (*ChainSnapshot, error) {
	s, ok := e.store.(store.Snapshotter)
	if !ok {
		return nil, ErrNoSnapshot
	}
	snap, err := s.Snapshot()
	if err != nil {
		return nil, fmt.Errorf("consensus: snapshot: %w", err)
	}
	return &ChainSnapshot{params: e.params, indexers: e.indexers, main: e.mainHashes(), store: snap}, nil
}

// Height returns the height of the snapshot's tip.
func (c *ChainSnapshot) Height() uint32 { return uint32(len(c.main) - 1) }

// Verify is VerifyChain over the snapshot. It may run on any goroutine,
// concurrently with the engine, but not concurrently with itself.
func (c *ChainSnapshot) Verify() error {
	return verifyReplay(c.params, c.indexers, c.main, c.store)
}

// Close releases the store snapshot.
func (c *ChainSnapshot) Close() error { return c.store.Close() }

func (e *Engine) mainHashes() []chain.Hash {
	hashes := make([]chain.Hash, len(e.main))
	for i, n := range e.main {
		hashes[i] = n.hash
	}
	return hashes
}

// verifyReplay replays main (the active chain, by height) from stored into
// a fresh in-memory engine and compares the state it builds with stored's.
func verifyReplay(params *Params, indexers []Indexer, main []chain.Hash, stored store.Reader) error {
	replay, err := New(Config{Params: params, Store: store.NewMemory(), Indexers: indexers})
	if err != nil {
		return err
	}
	for height, hash := range main[1:] {
		height++
		data, err := stored.Block(hash)
		if err != nil {
			return fmt.Errorf("consensus: read block %s: %w", hash, err)
		}
		b, err := chain.DecodeBlock(data)
		if err != nil {
			return fmt.Errorf("consensus: stored block %s: %w: %v", hash, store.ErrCorrupt, err)
		}
		if _, err := replay.ProcessBlock(b, time.Unix(int64(b.Header.Timestamp), 0)); err != nil {
			return fmt.Errorf("%w: block %s at height %d: %v", ErrVerifyFailed, hash, height, err)
		}
	}
	tip, err := stored.Tip()
	if err != nil {
		return err
	}
	if got, want := replay.tip().hash, main[len(main)-1]; got != want || tip != want {
		return fmt.Errorf("%w: replay ends at %s, stored tip is %s, active tip %s", ErrVerifyFailed, got, tip, want)
	}
	if err := sameSequence("utxo set", stored.ForEachUTXO, replay.store.ForEachUTXO); err != nil {
		return err
	}
	if replay.keeps(AddressHistory{}) {
		if err := sameSequence("address history", stored.ForEachHistory, replay.store.ForEachHistory); err != nil {
			return err
		}
	}
	return verifyAddressIndex(stored, replay)
}

// verifyAddressIndex compares the unspent outputs listed by address with
// the replay's, for every address holding an output.
func verifyAddressIndex(stored store.Reader, replay *Engine) error {
	addrs := map[chain.Address]struct{}{}
	if err := replay.store.ForEachUTXO(func(o store.Output) error {
		addrs[o.UTXO.Address] = struct{}{}
		return nil
	}); err != nil {
		return err
	}
	for addr := range addrs {
		got, err := stored.AddressUTXOs(addr)
		if err != nil {
			return err
		}
		want, err := replay.store.AddressUTXOs(addr)
		if err != nil {
			return err
		}
		if !slices.Equal(got, want) {
			return fmt.Errorf("%w: address index of %x: %d outputs stored, replay gives %d", ErrVerifyFailed, addr[:], len(got), len(want))
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
