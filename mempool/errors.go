package mempool

import (
	"errors"
	"fmt"

	"github.com/devchain/devchain/chain"
	"github.com/devchain/devchain/consensus"
)

// RejectCode classifies why the pool refused a transaction. Every code is an
// error, so callers test with errors.Is(err, mempool.RejectConflict).
//
// Only RejectInvalid means that whoever sent the transaction misbehaved: the
// transaction breaks a consensus rule and never becomes valid. The others
// depend on what the pool and the chain hold now (a conflict, a missing
// parent, a low fee), which a peer on another tip may honestly see otherwise.
//
// For a JSON-RPC layer following Bitcoin Core: RejectOrphan and
// RejectMissingInputs answer -25 (RPC_VERIFY_ERROR), "txn-already-known"
// -27 (RPC_VERIFY_ALREADY_IN_CHAIN), every other code -26
// (RPC_VERIFY_REJECTED); Core's sendrawtransaction answers a transaction
// already in the pool with its txid rather than an error.
type RejectCode int

// Rejection codes.
const (
	// RejectInvalid: the transaction breaks a consensus rule (bad signature,
	// outputs above inputs, a coinbase outside a block...). Penalise the peer.
	RejectInvalid RejectCode = iota + 1
	// RejectPremature: it spends a coinbase output before maturity at the
	// next block's height; it may become valid later.
	RejectPremature
	// RejectNonStandard: it breaks pool policy, not consensus: larger than
	// the pool takes ("tx-size") or too long a chain of unconfirmed
	// transactions ("too-long-mempool-chain").
	RejectNonStandard
	// RejectDuplicate: already in the pool ("txn-already-in-mempool") or
	// already confirmed ("txn-already-known").
	RejectDuplicate
	// RejectConflict: it spends an output that a pool transaction already
	// spends ("txn-mempool-conflict"). The first seen wins; there is no
	// replacement.
	RejectConflict
	// RejectMissingInputs: it spends an output that is spent on the active
	// chain, or one that a known transaction does not have
	// ("bad-txns-inputs-missingorspent"). Not kept.
	RejectMissingInputs
	// RejectOrphan: it spends outputs of transactions the pool has not seen
	// ("bad-txns-inputs-missingorspent"). Accept keeps it in the orphan pool
	// and admits it when its parents arrive; Check keeps nothing.
	RejectOrphan
	// RejectInsufficientFee: its fee rate is below the configured minimum
	// ("min relay fee not met") or the pool's rolling minimum after evictions
	// ("mempool min fee not met").
	RejectInsufficientFee
	// RejectFull: the pool is at MaxBytes and the transaction's fee rate
	// does not beat the transactions it would evict ("mempool full").
	RejectFull
)

var rejectCodeNames = map[RejectCode]string{
	RejectInvalid:         "RejectInvalid",
	RejectPremature:       "RejectPremature",
	RejectNonStandard:     "RejectNonStandard",
	RejectDuplicate:       "RejectDuplicate",
	RejectConflict:        "RejectConflict",
	RejectMissingInputs:   "RejectMissingInputs",
	RejectOrphan:          "RejectOrphan",
	RejectInsufficientFee: "RejectInsufficientFee",
	RejectFull:            "RejectFull",
}

// String returns the code's Go name, e.g. "RejectConflict".
func (c RejectCode) String() string {
	if name, ok := rejectCodeNames[c]; ok {
		return name
	}
	return fmt.Sprintf("RejectCode(%d)", int(c))
}

// Error makes every code usable as an errors.Is target.
func (c RejectCode) Error() string { return "mempool: " + c.String() }

// Misbehaving reports whether a transaction refused with this code proves
// its sender broke the rules (only RejectInvalid does).
func (c RejectCode) Misbehaving() bool { return c == RejectInvalid }

// Reject reasons: Bitcoin Core's strings for the pool's own rules. Consensus
// failures use the rule's own reason (consensus.ErrorCode.Reason), such as
// "bad-txns-signature" or "bad-txns-premature-spend-of-coinbase".
const (
	ReasonAlreadyInPool = "txn-already-in-mempool"
	ReasonAlreadyKnown  = "txn-already-known"
	ReasonConflict      = "txn-mempool-conflict"
	ReasonMissingInputs = "bad-txns-inputs-missingorspent"
	ReasonMinRelayFee   = "min relay fee not met"
	ReasonMempoolMinFee = "mempool min fee not met"
	ReasonFull          = "mempool full"
	ReasonTxSize        = "tx-size"
	ReasonTooLongChain  = "too-long-mempool-chain"
	ReasonCoinbase      = "coinbase"
)

// RejectError is the pool's refusal of a transaction. Reason is the string a
// Bitcoin Core node would answer with; Err holds the details and, for a
// broken consensus rule, the *consensus.RuleError, so that
// errors.Is(err, consensus.ErrBadSignature) works as well as
// errors.Is(err, mempool.RejectInvalid).
type RejectError struct {
	Code   RejectCode
	Reason string
	TxID   chain.Hash
	Err    error
}

// Error returns "mempool: REASON: DETAILS".
func (e *RejectError) Error() string {
	detail := ""
	var re *consensus.RuleError
	switch {
	case errors.As(e.Err, &re):
		detail = re.Description
	case e.Err != nil:
		detail = e.Err.Error()
	}
	if detail == "" {
		return "mempool: " + e.Reason
	}
	return "mempool: " + e.Reason + ": " + detail
}

// Unwrap returns the code and the cause, so errors.Is matches either.
func (e *RejectError) Unwrap() []error {
	if e.Err == nil {
		return []error{e.Code}
	}
	return []error{e.Code, e.Err}
}

// Misbehaving reports whether err is a rejection proving that the
// transaction's sender broke a consensus rule: the peer to penalise.
func Misbehaving(err error) bool {
	var re *RejectError
	return errors.As(err, &re) && re.Code.Misbehaving()
}

func reject(code RejectCode, reason string, txid chain.Hash, format string, args ...any) *RejectError {
	return &RejectError{Code: code, Reason: reason, TxID: txid, Err: fmt.Errorf(format, args...)}
}

// ruleReject turns a consensus rule failure into a rejection with the rule's
// reason. Immature spends are not misbehaviour: they become valid later.
func ruleReject(txid chain.Hash, err error) error {
	var re *consensus.RuleError
	if !errors.As(err, &re) {
		return err
	}
	code := RejectInvalid
	switch re.Code {
	case consensus.ErrImmatureSpend:
		code = RejectPremature
	case consensus.ErrMissingTxOut:
		code = RejectMissingInputs
	}
	return &RejectError{Code: code, Reason: re.Code.Reason(), TxID: txid, Err: re}
}

// missingInputs builds the rejection for an input the pool cannot resolve.
func missingInputs(code RejectCode, txid chain.Hash, format string, args ...any) *RejectError {
	return &RejectError{
		Code:   code,
		Reason: ReasonMissingInputs,
		TxID:   txid,
		Err:    &consensus.RuleError{Code: consensus.ErrMissingTxOut, Description: fmt.Sprintf(format, args...)},
	}
}
