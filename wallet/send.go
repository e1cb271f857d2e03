package wallet

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"github.com/btcsuite/btcd/btcec/v2"

	"github.com/devchain/devchain/chain"
	"github.com/devchain/devchain/rpcclient"
)

// SendResult describes a transaction Send submitted.
type SendResult struct {
	TxID   chain.Hash
	Tx     *chain.Transaction
	Inputs []Coin
	// Amount went to the payee in output 0; Change, when not 0, back to the
	// wallet's ChangeAddress in output 1; Fee to the miner.
	Amount, Fee, Change int64
	ChangeAddress       string
	Size                int
}

// Send pays amount units to the address to, at feeRate units per byte,
// with coins of the wallet as the node lists them: it syncs (CheckChain and
// the pending record), selects coins (SelectCoins), adds change to a new
// address, signs locally for the wallet's chain, records the pending spend
// in the file and only then submits the transaction with
// sendrawtransaction. If the node rejects it, the record and the change
// address are rolled back and nothing was sent.
//
// Bad input (address, amount, fee rate) is refused before the node is
// asked anything.
func Send(ctx context.Context, c Caller, w *Wallet, to string, amount, feeRate int64) (*SendResult, error) {
	if amount <= 0 {
		return nil, fmt.Errorf("%w: must be more than 0", ErrInvalidAmount)
	}
	if amount > maxAmount {
		return nil, fmt.Errorf("%w: %s is too large", ErrInvalidAmount, chain.FormatAmount(amount))
	}
	if feeRate < MinRelayFeeRate || feeRate > MaxFeeRate {
		return nil, fmt.Errorf("%w: %d units/byte, want %d (the node's minimum relay fee) to %d", ErrInvalidFeeRate, feeRate, MinRelayFeeRate, MaxFeeRate)
	}
	dest, err := w.ParseAddress(to)
	if err != nil {
		return nil, err
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if _, err := w.sync(ctx, c); err != nil {
		return nil, err
	}
	genesis, ok := w.genesis()
	if !ok {
		return nil, fmt.Errorf("wallet: genesis hash unknown") // sync learns it; cannot happen
	}
	coins, err := w.unspent(ctx, c)
	if err != nil {
		return nil, err
	}
	sel, err := SelectCoins(coins, amount, feeRate)
	if err != nil {
		return nil, err
	}

	before := w.snapshot()
	res := &SendResult{Inputs: sel.Inputs, Amount: amount, Fee: sel.Fee, Change: sel.Change, Size: sel.Size}
	tx := &chain.Transaction{Version: 1}
	spent := make([]chain.TxOut, len(sel.Inputs))
	keys := make([]*btcec.PrivateKey, len(sel.Inputs))
	for i, coin := range sel.Inputs {
		tx.Inputs = append(tx.Inputs, chain.TxIn{PrevOut: coin.OutPoint})
		spent[i] = chain.TxOut{Amount: coin.Amount, Address: coin.addr}
		if keys[i], err = w.keyFor(coin.addr); err != nil {
			return nil, err
		}
	}
	tx.Outputs = append(tx.Outputs, chain.TxOut{Amount: amount, Address: dest})
	rec := pendingRecord{TxID: "", To: to, Amount: amount, Fee: sel.Fee, Time: time.Now().Unix()}
	if sel.Change > 0 {
		change, changeAddr, err := w.deriveNext(true)
		if err != nil {
			return nil, err
		}
		w.addRecord(change, changeAddr)
		res.ChangeAddress = change.Address
		tx.Outputs = append(tx.Outputs, chain.TxOut{Amount: sel.Change, Address: changeAddr})
		rec.Change = &changeRecord{Vout: 1, Address: change.Address, Amount: sel.Change}
	}
	if err := chain.SignTransaction(tx, spent, keys, genesis); err != nil {
		w.restore(before)
		return nil, err
	}
	if got := tx.SerializeSize(); got != sel.Size {
		w.restore(before)
		return nil, fmt.Errorf("wallet: built a %d-byte transaction, selection expected %d", got, sel.Size)
	}
	res.Tx, res.TxID = tx, tx.TxID()
	rawHex := hex.EncodeToString(tx.Serialize())
	rec.TxID, rec.Hex = res.TxID.String(), rawHex
	for _, coin := range sel.Inputs {
		rec.Spends = append(rec.Spends, spentRecord{
			TxID: coin.OutPoint.TxID.String(), Vout: coin.OutPoint.Index, Address: coin.Address, Amount: coin.Amount,
		})
	}

	// Write ahead: the spend is on disk before the node sees it, so a crash
	// right after submitting cannot make the wallet spend these coins
	// twice. A record of a transaction that never reached the node is
	// dropped by the next sync (it vanished).
	w.file.Pending = append(w.file.Pending, rec)
	if err := w.save(); err != nil {
		w.restore(before)
		return nil, err
	}
	var got string
	err = c.Call(ctx, "sendrawtransaction", []any{rawHex}, &got)
	if err != nil {
		var rpcErr *rpcclient.Error
		if errors.As(err, &rpcErr) || errors.Is(err, rpcclient.ErrUnauthorized) {
			// The node answered: nothing was sent. Forget the attempt.
			w.restore(before)
			if saveErr := w.save(); saveErr != nil {
				return nil, fmt.Errorf("%w: %v (and the wallet file kept the attempt as pending: %v)", ErrRejected, err, saveErr)
			}
			if rpcErr != nil {
				return nil, fmt.Errorf("%w: %s (code %d)", ErrRejected, rpcErr.Message, rpcErr.Code)
			}
			return nil, err
		}
		return nil, fmt.Errorf("sendrawtransaction: %w (transaction %s may have reached the node; the wallet keeps it pending until it confirms or vanishes)", err, res.TxID)
	}
	if got != res.TxID.String() {
		return res, fmt.Errorf("sendrawtransaction: node returned txid %s for transaction %s", got, res.TxID)
	}
	return res, nil
}
