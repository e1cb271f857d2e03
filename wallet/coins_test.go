package wallet_test

import (
	"encoding/json"
	"errors"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/devchain/devchain/chain"
	"github.com/devchain/devchain/wallet"
)

const coin = chain.UnitsPerCoin

// mkCoin is a confirmed, mature coin with a distinct outpoint.
func mkCoin(id byte, amount int64) wallet.Coin {
	var h chain.Hash
	h[0] = id
	return wallet.Coin{OutPoint: chain.OutPoint{TxID: h}, Amount: amount, Confirmations: 6, Spendable: true}
}

func ids(coins []wallet.Coin) []byte {
	var out []byte
	for _, c := range coins {
		out = append(out, c.OutPoint.TxID[0])
	}
	return out
}

// checkSelection checks the invariants of every selection: value is
// conserved, the fee meets the rate for the exact size, change is absent
// or above dust, only usable coins are spent.
func checkSelection(t *testing.T, sel *wallet.Selection, amount, feeRate int64) {
	t.Helper()
	var in int64
	for _, c := range sel.Inputs {
		in += c.Amount
		if !c.Spendable || (c.Confirmations < 1 && !c.OwnChange) {
			t.Errorf("selected unusable coin %+v", c)
		}
	}
	if in != amount+sel.Fee+sel.Change {
		t.Errorf("inputs %d != amount %d + fee %d + change %d", in, amount, sel.Fee, sel.Change)
	}
	outputs := 1
	if sel.Change > 0 {
		outputs = 2
		if sel.Change < wallet.DustThreshold(feeRate) {
			t.Errorf("change %d below dust %d", sel.Change, wallet.DustThreshold(feeRate))
		}
	}
	if want := wallet.TxSize(len(sel.Inputs), outputs); sel.Size != want {
		t.Errorf("size %d, want %d", sel.Size, want)
	}
	if sel.Fee < feeRate*int64(sel.Size) {
		t.Errorf("fee %d below %d units/byte × %d bytes", sel.Fee, feeRate, sel.Size)
	}
}

func TestTxSizeAndDust(t *testing.T) {
	if got := wallet.TxSize(1, 2); got != 4+1+132+1+2*40 {
		t.Errorf("TxSize(1, 2) = %d", got)
	}
	if got := wallet.DustThreshold(2); got != 1032 {
		t.Errorf("DustThreshold(2) = %d, want 3 × 2 × (132 + 40)", got)
	}
}

func TestSelectCoins(t *testing.T) {
	fee11 := int64(wallet.TxSize(1, 1)) // one input, one output, at 1 unit/byte
	fee12 := int64(wallet.TxSize(1, 2))
	fee22 := int64(wallet.TxSize(2, 2))
	immature := mkCoin(9, 100*coin)
	immature.Coinbase, immature.Spendable = true, false
	foreign := mkCoin(8, 100*coin) // unconfirmed payment from someone else
	foreign.Confirmations = 0
	ownChange := mkCoin(7, 5*coin)
	ownChange.Confirmations, ownChange.OwnChange = 0, true

	tests := []struct {
		name       string
		coins      []wallet.Coin
		amount     int64
		feeRate    int64
		wantInputs []byte
		wantFee    int64
		wantChange int64
		wantErr    error
	}{
		{
			name:   "exact match, no change",
			coins:  []wallet.Coin{mkCoin(1, 3*coin), mkCoin(2, coin+fee11), mkCoin(3, 7*coin)},
			amount: coin, feeRate: 1,
			wantInputs: []byte{2}, wantFee: fee11,
		},
		{
			name:   "smallest covering coin, with change",
			coins:  []wallet.Coin{mkCoin(1, 10*coin), mkCoin(2, 3*coin), mkCoin(3, coin)},
			amount: 2 * coin, feeRate: 2,
			wantInputs: []byte{2}, wantFee: 2 * fee12, wantChange: coin - 2*fee12,
		},
		{
			name:   "largest first when no coin covers alone",
			coins:  []wallet.Coin{mkCoin(1, coin), mkCoin(2, 2*coin), mkCoin(3, 3*coin)},
			amount: 4 * coin, feeRate: 1,
			wantInputs: []byte{3, 2}, wantFee: fee22, wantChange: coin - fee22,
		},
		{
			name:   "dust change folded into the fee",
			coins:  []wallet.Coin{mkCoin(1, coin+2*fee12+1031)},
			amount: coin, feeRate: 2,
			wantInputs: []byte{1}, wantFee: 2*fee12 + 1031,
		},
		{
			name:   "change at the dust threshold is kept",
			coins:  []wallet.Coin{mkCoin(1, coin+2*fee12+1032)},
			amount: coin, feeRate: 2,
			wantInputs: []byte{1}, wantFee: 2 * fee12, wantChange: 1032,
		},
		{
			name:   "covers the one-output fee only: no change",
			coins:  []wallet.Coin{mkCoin(1, coin+fee11+5)},
			amount: coin, feeRate: 1,
			wantInputs: []byte{1}, wantFee: fee11 + 5,
		},
		{
			name:   "insufficient funds",
			coins:  []wallet.Coin{mkCoin(1, coin), mkCoin(2, coin)},
			amount: 2 * coin, feeRate: 1,
			wantErr: wallet.ErrInsufficientFunds,
		},
		{
			name:   "fee makes it insufficient",
			coins:  []wallet.Coin{mkCoin(1, coin)},
			amount: coin, feeRate: 1,
			wantErr: wallet.ErrInsufficientFunds,
		},
		{
			name:   "immature coinbase skipped",
			coins:  []wallet.Coin{immature, mkCoin(1, 2*coin)},
			amount: coin, feeRate: 1,
			wantInputs: []byte{1}, wantFee: fee12, wantChange: coin - fee12,
		},
		{
			name:   "only immature: insufficient",
			coins:  []wallet.Coin{immature},
			amount: coin, feeRate: 1,
			wantErr: wallet.ErrInsufficientFunds,
		},
		{
			name:   "unconfirmed foreign payment not spent",
			coins:  []wallet.Coin{foreign},
			amount: coin, feeRate: 1,
			wantErr: wallet.ErrInsufficientFunds,
		},
		{
			name:   "confirmed coins preferred over own change",
			coins:  []wallet.Coin{ownChange, mkCoin(1, 2*coin)},
			amount: coin, feeRate: 1,
			wantInputs: []byte{1}, wantFee: fee12, wantChange: coin - fee12,
		},
		{
			name:   "own unconfirmed change used when needed",
			coins:  []wallet.Coin{ownChange, mkCoin(1, 2*coin)},
			amount: 6 * coin, feeRate: 1,
			wantInputs: []byte{7, 1}, wantFee: fee22, wantChange: coin - fee22,
		},
		{name: "zero amount", coins: []wallet.Coin{mkCoin(1, coin)}, amount: 0, feeRate: 1, wantErr: wallet.ErrInvalidAmount},
		{name: "fee rate below relay minimum", coins: []wallet.Coin{mkCoin(1, coin)}, amount: 1, feeRate: 0, wantErr: wallet.ErrInvalidFeeRate},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			sel, err := wallet.SelectCoins(tc.coins, tc.amount, tc.feeRate)
			if tc.wantErr != nil {
				if !errors.Is(err, tc.wantErr) {
					t.Fatalf("err = %v, want %v", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := ids(sel.Inputs); string(got) != string(tc.wantInputs) {
				t.Errorf("inputs %v, want %v", got, tc.wantInputs)
			}
			if sel.Fee != tc.wantFee || sel.Change != tc.wantChange {
				t.Errorf("fee %d change %d, want fee %d change %d", sel.Fee, sel.Change, tc.wantFee, tc.wantChange)
			}
			checkSelection(t, sel, tc.amount, tc.feeRate)
		})
	}
}

func TestInsufficientFundsMessage(t *testing.T) {
	immature := mkCoin(9, 50*coin)
	immature.Spendable = false
	_, err := wallet.SelectCoins([]wallet.Coin{mkCoin(1, 10*coin), immature}, 20*coin, 2)
	var ife *wallet.InsufficientFundsError
	if !errors.As(err, &ife) {
		t.Fatalf("err = %v", err)
	}
	need := 20*coin + 2*int64(wallet.TxSize(1, 1))
	if ife.Have != 10*coin || ife.Need != need || ife.Immature != 50*coin {
		t.Errorf("have %d need %d immature %d", ife.Have, ife.Need, ife.Immature)
	}
	want := "insufficient funds: have 10, need " + chain.FormatAmount(need) + " (50 more immature)"
	if err.Error() != want {
		t.Errorf("message %q, want %q", err.Error(), want)
	}
}

func TestSelectCoinsTooManyInputs(t *testing.T) {
	var coins []wallet.Coin
	for i := range 1000 {
		c := mkCoin(byte(i), 1000)
		c.OutPoint.Index = uint32(i)
		coins = append(coins, c)
	}
	if _, err := wallet.SelectCoins(coins, 900_000, 1); !errors.Is(err, wallet.ErrTxTooLarge) {
		t.Errorf("err = %v, want ErrTxTooLarge", err)
	}
}

// Random wallets: every selection keeps the invariants, and failure means
// the usable coins really do not cover the amount plus the fee.
func TestSelectCoinsProperties(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for iter := range 2000 {
		var coins []wallet.Coin
		var usable int64
		var usableCount int
		for i := range rng.IntN(8) {
			c := mkCoin(byte(i), 1+rng.Int64N(5*coin))
			switch rng.IntN(6) {
			case 0:
				c.Spendable = false
			case 1:
				c.Confirmations = 0
			case 2:
				c.Confirmations, c.OwnChange = 0, true
			}
			if c.Spendable && (c.Confirmations > 0 || c.OwnChange) {
				usable += c.Amount
				usableCount++
			}
			coins = append(coins, c)
		}
		amount := 1 + rng.Int64N(10*coin)
		feeRate := 1 + rng.Int64N(50)
		sel, err := wallet.SelectCoins(coins, amount, feeRate)
		if err != nil {
			if !errors.Is(err, wallet.ErrInsufficientFunds) {
				t.Fatalf("iter %d: %v", iter, err)
			}
			// Spending every usable coin would not have worked either.
			if usable >= amount+feeRate*int64(wallet.TxSize(max(1, usableCount), 1)) {
				t.Fatalf("iter %d: insufficient with %d usable for %d at %d/byte", iter, usable, amount, feeRate)
			}
			continue
		}
		checkSelection(t, sel, amount, feeRate)
	}
}

func TestParseCoins(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want int64
		err  string
	}{
		{"1.5", 150_000_000, ""},
		{"0", 0, ""},
		{"5e-08", 5, ""},
		{"1E-8", 1, ""},
		{"399.99999576", 39_999_999_576, ""},
		{"1e2", 100 * coin, ""},
		{"0.000000001", 0, "whole number"},
		{"-1", 0, "negative"},
		{"1e400", 0, "out of range"},
		{"abc", 0, "not a number"},
	} {
		got, err := wallet.ParseCoins(json.Number(tc.in))
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("ParseCoins(%s) = %d, %v; want error %q", tc.in, got, err, tc.err)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("ParseCoins(%s) = %d, %v; want %d", tc.in, got, err, tc.want)
		}
	}
}
