package main

import (
	"context"
	"fmt"
	"strconv"

	"github.com/devchain/devchain/wallet"
)

// maxWait bounds --wait: a typo of many digits would otherwise wait for
// years without saying so.
const maxWait = 10_000

// parseWait parses send's --wait N (confirmations; "" or 0: do not wait).
func parseWait(s string) (int64, error) {
	if s == "" {
		return 0, nil
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n < 0 || n > maxWait {
		return 0, fmt.Errorf("%w: --wait %q: want a number of confirmations from 0 to %d", errUsage, s, maxWait)
	}
	return n, nil
}

// waitConfirmations waits for a sent transaction's confirmations, writing
// each change on stderr (stdout's last line stays the txid).
func (a *app) waitConfirmations(ctx context.Context, c wallet.Caller, txid string, want int64) error {
	err := wallet.WaitConfirmations(ctx, c, txid, want, func(p wallet.WaitProgress) {
		switch {
		case p.Note != "":
			fmt.Fprintf(a.stderr, "wallet: note: %s\n", p.Note)
		case p.Confirmations == 0:
			fmt.Fprintf(a.stderr, "waiting: 0/%d confirmations (in the mempool)\n", want)
		default:
			fmt.Fprintf(a.stderr, "waiting: %d/%d confirmations (block %s at height %d)\n", p.Confirmations, want, p.BlockHash, p.Height)
		}
	})
	switch {
	case err != nil && ctx.Err() != nil:
		return fmt.Errorf("stopped waiting for %s: the payment is sent all the same (see: wallet history)", txid)
	case err != nil:
		return fmt.Errorf("waiting for %s: %w", txid, err)
	}
	plural := "s"
	if want == 1 {
		plural = ""
	}
	fmt.Fprintf(a.stderr, "confirmed: %s has %d confirmation%s\n", txid, want, plural)
	return nil
}
