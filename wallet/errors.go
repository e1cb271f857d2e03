package wallet

import (
	"errors"
	"fmt"

	"github.com/devchain/devchain/chain"
)

// Errors of the wallet, usable with errors.Is. Messages are one line each, as
// the CLI prints them.
var (
	// ErrNoWallet: the wallet file does not exist (wraps fs.ErrNotExist).
	ErrNoWallet = errors.New("no wallet file")
	// ErrWalletExists: Create refuses to overwrite a wallet file.
	ErrWalletExists = errors.New("wallet file already exists")
	// ErrCorrupt: the file is not a wallet this package can read, or its
	// addresses do not derive from its seed.
	ErrCorrupt = errors.New("wallet file is corrupt")
	// ErrPassphraseRequired: the wallet is encrypted and no passphrase was
	// given.
	ErrPassphraseRequired = errors.New("wallet is encrypted: passphrase required")
	// ErrWrongPassphrase: the passphrase does not decrypt the seed
	// (authentication of the AEAD failed).
	ErrWrongPassphrase = errors.New("wrong passphrase")
	// ErrConcurrentUpdate: the file changed on disk since it was opened
	// (another wallet process saved it); nothing was written.
	ErrConcurrentUpdate = errors.New("wallet file was changed by another process; run the command again")
	// ErrChainMismatch: the wallet belongs to another chain than the node's
	// (address prefix or genesis hash differ).
	ErrChainMismatch = errors.New("wallet is for another chain")
	// ErrInvalidAmount: an amount is not a positive number of coins with at
	// most 8 decimals.
	ErrInvalidAmount = errors.New("invalid amount")
	// ErrInvalidFeeRate: the fee rate is below the node's minimum relay fee
	// (1 unit/byte) or absurdly high.
	ErrInvalidFeeRate = errors.New("invalid fee rate")
	// ErrInsufficientFunds is matched by every *InsufficientFundsError.
	ErrInsufficientFunds = errors.New("insufficient funds")
	// ErrTxTooLarge: paying the amount would need more inputs than fit in
	// one transaction of MaxTxSize bytes.
	ErrTxTooLarge = errors.New("transaction too large")
	// ErrRejected: the node refused the transaction (sendrawtransaction
	// failed with a JSON-RPC error); nothing was sent.
	ErrRejected = errors.New("node rejected the transaction")
)

// InsufficientFundsError says how much the wallet can spend now (Have) and
// how much the payment needs including its fee (Need), in units.
type InsufficientFundsError struct {
	Have, Need int64
	// Immature is the value of coinbase outputs that are not spendable yet;
	// Unconfirmed that of unconfirmed incoming outputs (not spent by the
	// wallet until they confirm). Both are only mentioned when non-zero.
	Immature, Unconfirmed int64
}

func (e *InsufficientFundsError) Error() string {
	s := fmt.Sprintf("insufficient funds: have %s, need %s", chain.FormatAmount(e.Have), chain.FormatAmount(e.Need))
	switch {
	case e.Immature > 0 && e.Unconfirmed > 0:
		s += fmt.Sprintf(" (%s more immature, %s more unconfirmed)", chain.FormatAmount(e.Immature), chain.FormatAmount(e.Unconfirmed))
	case e.Immature > 0:
		s += fmt.Sprintf(" (%s more immature)", chain.FormatAmount(e.Immature))
	case e.Unconfirmed > 0:
		s += fmt.Sprintf(" (%s more unconfirmed)", chain.FormatAmount(e.Unconfirmed))
	}
	return s
}

// Is makes errors.Is(err, ErrInsufficientFunds) true.
func (e *InsufficientFundsError) Is(target error) bool { return target == ErrInsufficientFunds }
