package consensus

import (
	"errors"
	"fmt"
)

// ErrHalted is returned by every call that would change the chain after a
// store failure (a write that failed, a stored block or undo record that
// could not be read back). The engine's in-memory index may then be ahead
// of, or disagree with, what the store holds: like Bitcoin Core's
// AbortNode, the engine stops changing anything. Queries still answer from
// the state before the failure; the node is expected to shut down, and its
// next start reads the store as it is on disk.
var ErrHalted = errors.New("consensus: halted after a store failure")

// errGenesisInvalidate answers invalidateblock of the genesis block.
var errGenesisInvalidate = errors.New("consensus: the genesis block cannot be invalidated")

// Halted returns the store failure that halted the engine, or nil.
func (e *Engine) Halted() error { return e.halted }

// haltedErr is what a change is answered once the engine is halted.
func (e *Engine) haltedErr() error {
	if e.halted == nil {
		return nil
	}
	return fmt.Errorf("%w: %w", ErrHalted, e.halted)
}

// noteFailure halts the engine when err is a store failure: any error but
// a rule verdict or a caller's unknown block.
func (e *Engine) noteFailure(err error) error {
	if _, rule := errors.AsType[*RuleError](err); err == nil || rule || errors.Is(err, ErrUnknownBlock) || errors.Is(err, ErrHalted) || errors.Is(err, errGenesisInvalidate) {
		return err
	}
	if e.halted == nil {
		e.halted = err
		e.log.Error("engine_halted", "err", err)
	}
	return err
}
