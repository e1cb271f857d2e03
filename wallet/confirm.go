package wallet

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/devchain/devchain/rpcclient"
)

// EventSource is a node that streams its events; *rpcclient.Client is one.
// WaitConfirmations uses it to hear of each new tip instead of polling.
type EventSource interface {
	Subscribe(ctx context.Context, names ...string) (*rpcclient.EventStream, error)
}

var _ EventSource = (*rpcclient.Client)(nil)

// ConfirmPollInterval is how often WaitConfirmations asks the node when it
// cannot stream events.
var ConfirmPollInterval = 2 * time.Second

// ErrTxGone is returned by WaitConfirmations when the node knows the
// transaction no more: neither in its mempool nor in its active chain
// (a conflicting spend won, or the node dropped it).
var ErrTxGone = errors.New("wallet: transaction is neither in the node's mempool nor in its chain")

// WaitProgress is what WaitConfirmations reports: the transaction's
// confirmations now (0 while in the mempool) and the block holding it.
type WaitProgress struct {
	Confirmations int64
	Want          int64
	BlockHash     string
	Height        int64
	// Note, when set, explains a change of method (events unavailable:
	// polling instead); the other fields are then those of the last report.
	Note string
}

// WaitConfirmations returns once the transaction has want confirmations
// on the node's active chain. It checks at once, then again at each
// tip_changed event of the node's stream — so a reorg that takes the
// transaction out of the chain is reported too — or, when the node streams
// no events, every ConfirmPollInterval. progress hears every change (and
// the first state).
func WaitConfirmations(ctx context.Context, c Caller, txid string, want int64, progress func(WaitProgress)) error {
	var stream *rpcclient.EventStream
	note := ""
	if src, ok := c.(EventSource); ok {
		var err error
		// Subscribed before the first check: no tip change between the two
		// goes unnoticed.
		stream, err = src.Subscribe(ctx, "tip_changed")
		switch {
		case errors.Is(err, rpcclient.ErrEventsUnsupported):
			note = fmt.Sprintf("the node streams no events: checking every %s", ConfirmPollInterval)
		case err != nil:
			note = fmt.Sprintf("no event stream (%v): checking every %s", err, ConfirmPollInterval)
		}
	} else {
		note = fmt.Sprintf("the node streams no events: checking every %s", ConfirmPollInterval)
	}
	if stream != nil {
		defer stream.Close()
	}
	last := WaitProgress{Confirmations: -1, Want: want}
	if note != "" {
		last.Note = note
		progress(last)
		last.Note = ""
	}
	for {
		now, err := txConfirmations(ctx, c, txid)
		if err != nil {
			return err
		}
		now.Want = want
		if now != last {
			progress(now)
			last = now
		}
		if now.Confirmations >= want {
			return nil
		}
		if stream != nil {
			if _, err := stream.Next(); err != nil {
				if ctx.Err() != nil {
					return ctx.Err()
				}
				stream.Close()
				stream = nil
				note := last
				note.Note = fmt.Sprintf("event stream ended (%v): checking every %s", err, ConfirmPollInterval)
				progress(note)
			}
			continue
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(ConfirmPollInterval):
		}
	}
}

// txConfirmations asks the node where the transaction is.
func txConfirmations(ctx context.Context, c Caller, txid string) (WaitProgress, error) {
	var tx struct {
		Confirmations int64  `json:"confirmations"`
		BlockHash     string `json:"blockhash"`
		Height        int64  `json:"height"`
		InActiveChain *bool  `json:"in_active_chain"`
	}
	err := c.Call(ctx, "getrawtransaction", []any{txid, true}, &tx)
	switch {
	case rpcCode(err) == rpcclient.CodeInvalidAddress:
		return WaitProgress{}, fmt.Errorf("%w: %s", ErrTxGone, txid)
	case err != nil:
		return WaitProgress{}, fmt.Errorf("getrawtransaction %s: %w", txid, err)
	}
	if tx.Confirmations <= 0 || tx.InActiveChain != nil && !*tx.InActiveChain {
		return WaitProgress{}, nil
	}
	return WaitProgress{Confirmations: tx.Confirmations, BlockHash: tx.BlockHash, Height: tx.Height}, nil
}
