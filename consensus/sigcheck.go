package consensus

import (
	"github.com/devchain/devchain/chain"
)

// SigCheck is one BIP340 signature to verify: an input's x-only public key
// and signature over its signature digest.
type SigCheck struct {
	PubKey    chain.Address // the x-only key the input carries
	Signature [64]byte
	Digest    chain.Hash // what the input signs (chain.SigHasher)
}

// Verify checks the signature.
func (c *SigCheck) Verify() error {
	return verifySig(c.PubKey[:], c.Signature[:], c.Digest)
}

// SigVerifier verifies signatures for the engine and the mempool. The
// engine is a deterministic state machine, so how a verifier spreads the
// work (one goroutine, a pool over every core) must not change its answer:
// a batch reports the lowest index whose check fails, with that check's
// error, exactly as verifying one check after another would.
//
// Implementations must be safe for concurrent use: the engine and the
// mempool may run batches at once.
type SigVerifier interface {
	// Begin starts a batch. The caller hands it checks with Add as it finds
	// them, which the verifier may start verifying on other goroutines
	// while the caller goes on, then calls Wait once.
	Begin() SigBatch
}

// SigBatch is one batch of signature checks, indexed in the order they
// were added.
type SigBatch interface {
	// Add appends checks to the batch. The batch may keep the slice; the
	// caller must not change it afterwards.
	Add(checks []SigCheck)
	// Wait returns once every check added is verified (or known not to
	// matter, being after a failure): -1 and nil when all verify, else the
	// lowest failing index and its error.
	Wait() (bad int, err error)
}

// VerifyBatch verifies checks with v and reports the lowest failing index,
// or -1.
func VerifyBatch(v SigVerifier, checks []SigCheck) (int, error) {
	b := v.Begin()
	b.Add(checks)
	return b.Wait()
}

// SequentialVerifier verifies one signature after another on the goroutine
// that calls Wait: the engine's default.
type SequentialVerifier struct{}

// Begin implements SigVerifier.
func (SequentialVerifier) Begin() SigBatch { return &sequentialBatch{} }

type sequentialBatch struct{ checks [][]SigCheck }

func (b *sequentialBatch) Add(checks []SigCheck) { b.checks = append(b.checks, checks) }

func (b *sequentialBatch) Wait() (int, error) {
	i := 0
	for _, part := range b.checks {
		for k := range part {
			if err := part[k].Verify(); err != nil {
				return i, err
			}
			i++
		}
	}
	return -1, nil
}

// SigCache remembers signatures already found valid, like Bitcoin Core's
// signature cache: the mempool adds the signatures of the transactions it
// accepts, and the engine skips the ones it finds there when the block
// that confirms them is connected (and then removes them: their
// transactions are confirmed). A cache may forget entries at any time (it
// is bounded); it must never claim a check it was not given, so the engine
// reaches the same verdicts with or without one. Safe for concurrent use.
type SigCache interface {
	// Add records that check verified.
	Add(check *SigCheck)
	// Has reports whether check verified before.
	Has(check *SigCheck) bool
	// Remove forgets check.
	Remove(check *SigCheck)
}

// TxSigChecks returns the signature checks of tx's inputs; spent[i] is the
// output input i spends. The checks are appended to dst.
func TxSigChecks(dst []SigCheck, tx *chain.Transaction, spent []UTXO, genesis chain.Hash) ([]SigCheck, error) {
	outs := make([]chain.TxOut, len(spent))
	for i, u := range spent {
		outs[i] = chain.TxOut{Amount: u.Amount, Address: u.Address}
	}
	hasher, err := chain.NewSigHasher(tx, outs, genesis)
	if err != nil {
		return dst, ruleError(ErrBadSignature, "%v", err)
	}
	for i := range tx.Inputs {
		in := &tx.Inputs[i]
		dst = append(dst, SigCheck{PubKey: in.PubKey, Signature: in.Signature, Digest: hasher.Hash(i)})
	}
	return dst, nil
}

// VerifyTxSignatures is VerifySignatures with a verifier and a cache (either
// may be nil): signatures the cache holds are not verified again, and the
// ones verified here are added to it. The mempool calls it on admission.
func VerifyTxSignatures(tx *chain.Transaction, spent []UTXO, genesis chain.Hash, v SigVerifier, cache SigCache) error {
	checks, err := TxSigChecks(nil, tx, spent, genesis)
	if err != nil {
		return err
	}
	todo := checks
	var index []int // index[k]: the input of todo[k], when the cache left some out
	if cache != nil {
		todo = make([]SigCheck, 0, len(checks))
		for i := range checks {
			if !cache.Has(&checks[i]) {
				todo = append(todo, checks[i])
				index = append(index, i)
			}
		}
	}
	if v == nil {
		v = SequentialVerifier{}
	}
	if bad, err := VerifyBatch(v, todo); err != nil {
		input := bad
		if index != nil {
			input = index[bad]
		}
		return ruleError(ErrBadSignature, "input %d: %v", input, err)
	}
	if cache != nil {
		for i := range todo {
			cache.Add(&todo[i])
		}
	}
	return nil
}
