package consensus

import "fmt"

// ErrorCode identifies the consensus rule a block, header or transaction
// broke. Every code is an error, so callers test with
// errors.Is(err, consensus.ErrBadMerkleRoot).
type ErrorCode int

// Rule violations. Reason gives each one's Bitcoin Core reject string.
const (
	// Header rules.
	ErrHighHash         ErrorCode = iota + 1 // block hash above the target
	ErrBadTarget                             // target not positive or above the pow limit
	ErrBadDiffBits                           // bits differ from the required next bits
	ErrTimeTooOld                            // timestamp not after the median time past
	ErrTimeTooNew                            // timestamp too far past the node's clock
	ErrPrevBlockMissing                      // parent header unknown
	ErrInvalidAncestor                       // parent (or an earlier ancestor) is invalid
	ErrKnownInvalid                          // the block itself is already known invalid

	// Block rules.
	ErrBadMerkleRoot      // Merkle root does not match the transactions
	ErrDuplicateTx        // a txid repeats (CVE-2012-2459 mutation)
	ErrNoTransactions     // no transactions at all
	ErrBlockTooBig        // serialization larger than max_block_bytes
	ErrFirstTxNotCoinbase // first transaction is not a coinbase
	ErrMultipleCoinbases  // a coinbase after the first transaction
	ErrBadCoinbaseHeight  // coinbase does not commit to the block height
	ErrBadCoinbaseValue   // coinbase pays more than subsidy plus fees

	// Transaction rules.
	ErrNoTxInputs        // no inputs
	ErrNoTxOutputs       // no outputs
	ErrDuplicateTxInput  // an outpoint spent twice by one transaction
	ErrNullPrevOut       // a non-coinbase input names the zero txid
	ErrBadTxOutValue     // an output amount negative or above the money supply
	ErrBadTxOutTotal     // outputs together above the money supply
	ErrMissingTxOut      // an input spends an output that does not exist or is spent
	ErrImmatureSpend     // an input spends a coinbase output before maturity
	ErrWrongPubKey       // an input's public key is not the spent output's address
	ErrBadSignature      // an input's signature does not verify
	ErrSpendTooHigh      // outputs worth more than inputs
	ErrCoinbaseTxOutside // a coinbase outside a block (mempool)
)

var errorCodeInfo = map[ErrorCode]struct{ name, reason string }{
	ErrHighHash:           {"ErrHighHash", "high-hash"},
	ErrBadTarget:          {"ErrBadTarget", "high-hash"},
	ErrBadDiffBits:        {"ErrBadDiffBits", "bad-diffbits"},
	ErrTimeTooOld:         {"ErrTimeTooOld", "time-too-old"},
	ErrTimeTooNew:         {"ErrTimeTooNew", "time-too-new"},
	ErrPrevBlockMissing:   {"ErrPrevBlockMissing", "prev-blk-not-found"},
	ErrInvalidAncestor:    {"ErrInvalidAncestor", "bad-prevblk"},
	ErrKnownInvalid:       {"ErrKnownInvalid", "duplicate-invalid"},
	ErrBadMerkleRoot:      {"ErrBadMerkleRoot", "bad-txnmrklroot"},
	ErrDuplicateTx:        {"ErrDuplicateTx", "bad-txns-duplicate"},
	ErrNoTransactions:     {"ErrNoTransactions", "bad-blk-length"},
	ErrBlockTooBig:        {"ErrBlockTooBig", "bad-blk-length"},
	ErrFirstTxNotCoinbase: {"ErrFirstTxNotCoinbase", "bad-cb-missing"},
	ErrMultipleCoinbases:  {"ErrMultipleCoinbases", "bad-cb-multiple"},
	ErrBadCoinbaseHeight:  {"ErrBadCoinbaseHeight", "bad-cb-height"},
	ErrBadCoinbaseValue:   {"ErrBadCoinbaseValue", "bad-cb-amount"},
	ErrNoTxInputs:         {"ErrNoTxInputs", "bad-txns-vin-empty"},
	ErrNoTxOutputs:        {"ErrNoTxOutputs", "bad-txns-vout-empty"},
	ErrDuplicateTxInput:   {"ErrDuplicateTxInput", "bad-txns-inputs-duplicate"},
	ErrNullPrevOut:        {"ErrNullPrevOut", "bad-txns-prevout-null"},
	ErrBadTxOutValue:      {"ErrBadTxOutValue", "bad-txns-vout-toolarge"},
	ErrBadTxOutTotal:      {"ErrBadTxOutTotal", "bad-txns-txouttotal-toolarge"},
	ErrMissingTxOut:       {"ErrMissingTxOut", "bad-txns-inputs-missingorspent"},
	ErrImmatureSpend:      {"ErrImmatureSpend", "bad-txns-premature-spend-of-coinbase"},
	ErrWrongPubKey:        {"ErrWrongPubKey", "bad-txns-wrong-pubkey"},
	ErrBadSignature:       {"ErrBadSignature", "bad-txns-signature"},
	ErrSpendTooHigh:       {"ErrSpendTooHigh", "bad-txns-in-belowout"},
	ErrCoinbaseTxOutside:  {"ErrCoinbaseTxOutside", "coinbase"},
}

// String returns the code's Go name, e.g. "ErrBadMerkleRoot".
func (c ErrorCode) String() string {
	if info, ok := errorCodeInfo[c]; ok {
		return info.name
	}
	return fmt.Sprintf("ErrorCode(%d)", int(c))
}

// Reason returns Bitcoin Core's reject reason for the rule, the string
// submitblock and sendrawtransaction answer with (e.g. "bad-txnmrklroot").
func (c ErrorCode) Reason() string {
	if info, ok := errorCodeInfo[c]; ok {
		return info.reason
	}
	return "rejected"
}

// Error makes every code usable as an errors.Is target.
func (c ErrorCode) Error() string { return "consensus: " + c.Reason() }

// RuleError is a consensus rule violation with what was found.
type RuleError struct {
	Code        ErrorCode
	Description string
}

func (e *RuleError) Error() string {
	return fmt.Sprintf("consensus: %s: %s", e.Code.Reason(), e.Description)
}

// Unwrap returns the code, so errors.Is matches RuleErrors by code.
func (e *RuleError) Unwrap() error { return e.Code }

func ruleError(code ErrorCode, format string, args ...any) *RuleError {
	return &RuleError{Code: code, Description: fmt.Sprintf(format, args...)}
}

// mutation reports whether a rule failure means the block's body does not
// match its header (a mutated or corrupted copy) rather than that the block
// the header commits to is invalid. Such failures must never mark the block
// hash invalid: the real block may still arrive.
func (c ErrorCode) mutation() bool {
	return c == ErrBadMerkleRoot || c == ErrDuplicateTx
}
