package consensus

import (
	"errors"

	"github.com/btcsuite/btcd/btcec/v2/schnorr"

	"github.com/devchain/devchain/chain"
	"github.com/devchain/devchain/consensus/store"
)

// UTXO is an unspent output as the UTXO set holds it.
type UTXO = store.UTXO

// CoinbaseMature is the coinbase maturity rule, the one place it is
// decided: an output created by the coinbase of the block at height
// createdAt may be spent in the block at spendHeight once
// spendHeight - createdAt >= coinbase_maturity. Block validation, mempool
// admission and re-checks after a reorg, and RPC's listunspent "spendable"
// all ask it.
func (p *Params) CoinbaseMature(createdAt, spendHeight int64) bool {
	return spendHeight-createdAt >= p.CoinbaseMaturity
}

// Spendable reports whether u may be spent in the block at spendHeight as
// far as maturity goes: any output that is not a coinbase's, or a mature
// coinbase output.
func (p *Params) Spendable(u UTXO, spendHeight int64) bool {
	return !u.Coinbase || p.CoinbaseMature(int64(u.Height), spendHeight)
}

// CheckTransactionInputs applies the rules that need the outputs a
// transaction spends (spent[i] for input i), found by the caller in its own
// view of the UTXO set: coinbase maturity at spendHeight, each input's key
// matches the spent address, and inputs cover outputs. It returns the fee.
// Signatures are checked by VerifySignatures.
func CheckTransactionInputs(tx *chain.Transaction, spendHeight uint32, spent []UTXO, p *Params) (int64, error) {
	var in int64
	for i, u := range spent {
		if !p.Spendable(u, int64(spendHeight)) {
			return 0, ruleError(ErrImmatureSpend, "input %d spends a coinbase output of height %d at height %d, maturity %d",
				i, u.Height, spendHeight, p.CoinbaseMaturity)
		}
		if chain.Address(tx.Inputs[i].PubKey) != u.Address {
			return 0, ruleError(ErrWrongPubKey, "input %d key is not the address of the output it spends", i)
		}
		if u.Amount < 0 || u.Amount > p.MaxMoney || in+u.Amount > p.MaxMoney {
			return 0, ruleError(ErrBadTxOutValue, "input values out of range at input %d", i)
		}
		in += u.Amount
	}
	var out int64
	for _, o := range tx.Outputs {
		out += o.Amount
	}
	if in < out {
		return 0, ruleError(ErrSpendTooHigh, "inputs %d units, outputs %d units", in, out)
	}
	return in - out, nil
}

// VerifySignatures checks every input's BIP340 signature over the
// transaction's signature hash for this chain; spent[i] is what input i
// spends. It verifies one signature after another; VerifyTxSignatures takes
// a verifier and a cache.
func VerifySignatures(tx *chain.Transaction, spent []UTXO, genesis chain.Hash) error {
	return VerifyTxSignatures(tx, spent, genesis, nil, nil)
}

// verifySig checks a BIP340 signature of digest by an x-only key.
func verifySig(pubKey, signature []byte, digest chain.Hash) error {
	pub, err := schnorr.ParsePubKey(pubKey)
	if err != nil {
		return err
	}
	sig, err := schnorr.ParseSignature(signature)
	if err != nil {
		return err
	}
	if !sig.Verify(digest[:], pub) {
		return errSignatureMismatch
	}
	return nil
}

var errSignatureMismatch = errors.New("signature does not verify")
