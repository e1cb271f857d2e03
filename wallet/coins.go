package wallet

import (
	"bytes"
	"cmp"
	"fmt"
	"slices"

	"github.com/devchain/devchain/chain"
)

// Fee rates are in units per byte of the serialized transaction
// (tx.SerializeSize()).
const (
	// DefaultFeeRate is what Send pays when not told otherwise.
	DefaultFeeRate = 2
	// MinRelayFeeRate is the node's minimum relay fee rate; Send refuses to
	// pay less.
	MinRelayFeeRate = 1
	// MaxFeeRate (one coin per byte) catches typos: above it Send refuses.
	MaxFeeRate = chain.UnitsPerCoin
)

// MaxTxSize bounds the transactions Send builds (about 750 inputs), well
// inside any block; a payment needing more inputs fails with ErrTxTooLarge.
const MaxTxSize = 100_000

// Coin is an unspent output of one of the wallet's addresses, as the node's
// listunspent reports it.
type Coin struct {
	OutPoint      chain.OutPoint
	Address       string
	Amount        int64 // units
	Confirmations int64 // 0: in the mempool
	Coinbase      bool
	// Spendable is false for an immature coinbase output.
	Spendable bool
	// OwnChange marks an unconfirmed output of one of the wallet's own
	// pending transactions: change the wallet trusts before it confirms.
	OwnChange bool

	addr chain.Address
}

// Selection is the outcome of coin selection: the inputs and how the
// surplus over the amount splits between fee and change.
type Selection struct {
	Inputs []Coin
	// Fee is what the transaction pays: at least feeRate × Size; more when
	// change below the dust threshold was folded into it.
	Fee int64
	// Change goes back to the wallet in a second output; 0 means none.
	Change int64
	// Size is the serialized size of the transaction (inputs, the payment
	// and the change output when there is one).
	Size int
}

// TxSize returns the serialized size of a transaction with the given
// numbers of inputs and outputs (signatures have a fixed size).
func TxSize(inputs, outputs int) int {
	tx := chain.Transaction{Inputs: make([]chain.TxIn, inputs), Outputs: make([]chain.TxOut, outputs)}
	return tx.SerializeSize()
}

// Sizes of one input and one output, for the dust threshold.
var (
	inputSize  = TxSize(2, 1) - TxSize(1, 1)
	outputSize = TxSize(1, 2) - TxSize(1, 1)
)

// DustThreshold is the smallest change output worth creating at feeRate:
// Bitcoin's dust rule, three times what the output costs to create and
// later spend (40 + 132 bytes). At the default 2 units/byte it is 1032
// units; smaller change is added to the fee instead.
func DustThreshold(feeRate int64) int64 {
	return 3 * feeRate * int64(inputSize+outputSize)
}

// usable reports whether coin selection may spend c: a mature output that is
// confirmed or the change of one of the wallet's own pending transactions.
func (c *Coin) usable() bool {
	return c.Spendable && (c.Confirmations >= 1 || c.OwnChange)
}

// SelectCoins chooses inputs among coins to pay amount units at feeRate
// units/byte with one payment output and, when worth it, one change output.
// Coins that are not spendable (immature coinbase) or unconfirmed (unless
// OwnChange) are skipped; the caller has already left out coins its own
// pending transactions spend.
//
// Confirmed coins are tried first; the wallet's own unconfirmed change only
// when confirmed coins do not suffice. Within a pool, the smallest single
// coin that covers the payment and its fee wins (it avoids breaking big
// coins and finds exact matches); otherwise the largest coins are
// accumulated until they cover it (fewest inputs, smallest fee). Change
// below DustThreshold(feeRate) is not created but added to the fee.
func SelectCoins(coins []Coin, amount, feeRate int64) (*Selection, error) {
	if amount <= 0 || amount > maxAmount {
		return nil, fmt.Errorf("%w: %d units", ErrInvalidAmount, amount)
	}
	if feeRate < MinRelayFeeRate || feeRate > MaxFeeRate {
		return nil, fmt.Errorf("%w: %d units/byte, want %d to %d", ErrInvalidFeeRate, feeRate, MinRelayFeeRate, MaxFeeRate)
	}
	var confirmed, all []Coin
	var have, immature, unconfirmed int64
	for _, c := range coins {
		switch {
		case c.usable():
			all = append(all, c)
			if c.Confirmations >= 1 {
				confirmed = append(confirmed, c)
			}
			have += c.Amount
		case !c.Spendable:
			immature += c.Amount
		default:
			unconfirmed += c.Amount
		}
	}
	byValue := func(a, b Coin) int {
		if a.Amount != b.Amount {
			return -cmp.Compare(a.Amount, b.Amount) // largest first
		}
		if c := bytes.Compare(a.OutPoint.TxID[:], b.OutPoint.TxID[:]); c != 0 {
			return c
		}
		return cmp.Compare(int64(a.OutPoint.Index), int64(b.OutPoint.Index))
	}
	slices.SortFunc(confirmed, byValue)
	slices.SortFunc(all, byValue)
	pools := [][]Coin{confirmed}
	if len(all) > len(confirmed) {
		pools = append(pools, all)
	}
	var tooLarge bool
	for _, pool := range pools {
		sel, err := selectFrom(pool, amount, feeRate)
		if err == nil {
			return sel, nil
		}
		tooLarge = tooLarge || err == ErrTxTooLarge
	}
	if tooLarge {
		return nil, fmt.Errorf("%w: paying %s needs more inputs than fit in %d bytes; send a smaller amount first to consolidate",
			ErrTxTooLarge, chain.FormatAmount(amount), MaxTxSize)
	}
	n := max(len(all), 1)
	return nil, &InsufficientFundsError{
		Have:        have,
		Need:        amount + feeRate*int64(TxSize(n, 1)),
		Immature:    immature,
		Unconfirmed: unconfirmed,
	}
}

// maxAmount bounds payments so that amount plus fees cannot overflow.
const maxAmount = 1 << 60

// errNotEnough is selectFrom's "this pool does not cover it".
var errNotEnough = fmt.Errorf("not enough")

// selectFrom picks inputs from pool, sorted largest first.
func selectFrom(pool []Coin, amount, feeRate int64) (*Selection, error) {
	need := func(inputs, outputs int) int64 { return amount + feeRate*int64(TxSize(inputs, outputs)) }
	// The smallest single coin that pays the amount and a one-input fee.
	for i := len(pool) - 1; i >= 0; i-- {
		if pool[i].Amount >= need(1, 1) {
			return finish(pool[i:i+1], amount, feeRate), nil
		}
	}
	// The largest coins until they cover the amount and their fee.
	var sum int64
	for n := 1; n <= len(pool); n++ {
		if TxSize(n, 2) > MaxTxSize {
			return nil, ErrTxTooLarge
		}
		sum += pool[n-1].Amount
		if sum >= need(n, 1) {
			return finish(pool[:n], amount, feeRate), nil
		}
	}
	return nil, errNotEnough
}

// finish splits the surplus of inputs (which cover amount plus the fee of a
// one-output transaction) into fee and change.
func finish(inputs []Coin, amount, feeRate int64) *Selection {
	var sum int64
	for _, c := range inputs {
		sum += c.Amount
	}
	sel := &Selection{Inputs: slices.Clone(inputs)}
	withChange := TxSize(len(inputs), 2)
	if change := sum - amount - feeRate*int64(withChange); change >= DustThreshold(feeRate) {
		sel.Change, sel.Fee, sel.Size = change, sum-amount-change, withChange
	} else {
		sel.Fee, sel.Size = sum-amount, TxSize(len(inputs), 1)
	}
	return sel
}
