package wallet_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/devchain/devchain/wallet"
)

// A wallet file is locked by one holder at a time: a second Lock waits,
// says whom it waits for, and fails with ErrWalletBusy when its wait runs
// out; once the holder unlocks, the next Lock gets it at once.
func TestLockIsExclusive(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sub", "w.json") // the directory is made as needed
	ctx := context.Background()
	first, err := wallet.Lock(ctx, path, 0, nil)
	if err != nil {
		t.Fatal(err)
	}
	if data, err := os.ReadFile(wallet.LockPath(path)); err != nil || strings.TrimSpace(string(data)) != strconv.Itoa(os.Getpid()) {
		t.Fatalf("lock file holds %q (%v), want this pid", data, err)
	}

	var holders []int
	_, err = wallet.Lock(ctx, path, 100*time.Millisecond, func(holder int) { holders = append(holders, holder) })
	if !errors.Is(err, wallet.ErrWalletBusy) || !strings.Contains(err.Error(), "pid "+strconv.Itoa(os.Getpid())) {
		t.Fatalf("second Lock = %v, want ErrWalletBusy naming the holder's pid", err)
	}
	if len(holders) != 1 || holders[0] != os.Getpid() {
		t.Fatalf("onWait called with %v, want once with this pid", holders)
	}

	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := wallet.Lock(cancelled, path, time.Hour, nil); !errors.Is(err, context.Canceled) {
		t.Fatalf("Lock with a cancelled context = %v", err)
	}

	if err := first.Unlock(); err != nil {
		t.Fatal(err)
	}
	if err := first.Unlock(); err != nil {
		t.Fatalf("second Unlock: %v", err)
	}
	again, err := wallet.Lock(ctx, path, 0, func(int) { t.Error("waited for a released lock") })
	if err != nil {
		t.Fatalf("Lock after Unlock: %v", err)
	}
	again.Unlock()
}
