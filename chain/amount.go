package chain

import (
	"fmt"
	"strconv"
	"strings"
)

// FormatAmount writes units as coins with up to 8 decimals and no trailing
// zeros: 150000000 -> "1.5".
func FormatAmount(units int64) string {
	sign := ""
	u := uint64(units)
	if units < 0 {
		sign, u = "-", uint64(-units)
	}
	whole, frac := u/UnitsPerCoin, u%UnitsPerCoin
	if frac == 0 {
		return fmt.Sprintf("%s%d", sign, whole)
	}
	return strings.TrimRight(fmt.Sprintf("%s%d.%08d", sign, whole, frac), "0")
}

// ParseAmount reads a decimal coin amount ("1.5", "0.00000001", "20") into
// units exactly, refusing more than 8 decimals, signs and overflow.
func ParseAmount(s string) (int64, error) {
	whole, frac, hasFrac := strings.Cut(s, ".")
	if whole == "" && (!hasFrac || frac == "") || len(frac) > 8 || strings.ContainsAny(s, "+-") {
		return 0, fmt.Errorf("chain: amount %q: want coins with at most 8 decimals", s)
	}
	var w, f uint64
	var err error
	if whole != "" {
		if w, err = strconv.ParseUint(whole, 10, 64); err != nil {
			return 0, fmt.Errorf("chain: amount %q: %w", s, err)
		}
	}
	if frac != "" {
		if f, err = strconv.ParseUint(frac+strings.Repeat("0", 8-len(frac)), 10, 64); err != nil {
			return 0, fmt.Errorf("chain: amount %q: %w", s, err)
		}
	}
	if w > (1<<63-1-f)/UnitsPerCoin {
		return 0, fmt.Errorf("chain: amount %q is too large", s)
	}
	return int64(w*UnitsPerCoin + f), nil
}
