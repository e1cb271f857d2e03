package main

import (
	"strings"
	"testing"

	"github.com/devchain/devchain/chain"
)

// FuzzCommandLine: any command line and any amount text parse or are
// refused without a panic; an accepted amount is positive and prints back
// to the same number of units.
func FuzzCommandLine(f *testing.F) {
	f.Add("send --to dev1xyz --amount 1.5 --fee-rate 3", "1.5")
	f.Add("--wallet w.json --datadir d balance", "0.00000001")
	f.Add("-- --amount=-1", "1e3")
	f.Add("newaddress extra args", "92233720368.54775807")
	f.Fuzz(func(t *testing.T, line, amount string) {
		_, _, _, _ = parseArgs(strings.Fields(line))
		units, err := parseAmount(amount)
		if err != nil {
			return
		}
		if units <= 0 {
			t.Fatalf("parseAmount(%q) = %d", amount, units)
		}
		if back, err := parseAmount(chain.FormatAmount(units)); err != nil || back != units {
			t.Fatalf("parseAmount(%q) = %d does not round trip: %d, %v", amount, units, back, err)
		}
	})
}
