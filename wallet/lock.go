package wallet

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// ErrWalletBusy: another process holds the wallet file's lock (see Lock).
var ErrWalletBusy = errors.New("wallet file is in use by another wallet command")

// lockPoll is how often a waiting Lock tries again.
const lockPoll = 25 * time.Millisecond

// FileLock is an exclusive, advisory lock on a wallet file, held by one
// process at a time: two commands using one wallet at once would otherwise
// both read the same coins and the same next change address, and could
// report the same transaction twice or lose one's record of its spend.
type FileLock struct {
	f *os.File
}

// LockPath returns the path of the lock file that guards the wallet file at
// path: the wallet's name with ".lock" appended, in the same directory. It
// stays on disk between commands (removing it would race with a process
// about to lock it) and holds the pid of the process that last locked it.
func LockPath(path string) string { return path + ".lock" }

// Lock takes the lock of the wallet file at path (creating its directory
// and lock file as needed), waiting up to wait while another process holds
// it. onWait, when not nil, is called once if Lock has to wait, with the
// holder's pid (0 when unknown). The lock is released by Unlock, or by the
// operating system when the process exits, however it exits. It fails with
// ErrWalletBusy when wait runs out, and with ctx's error when ctx ends.
//
// Locks are per open file: a process that locks a wallet twice without
// Unlock waits for itself.
func Lock(ctx context.Context, path string, wait time.Duration, onWait func(holder int)) (*FileLock, error) {
	lockPath := LockPath(path)
	if dir := filepath.Dir(lockPath); dir != "" {
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return nil, fmt.Errorf("wallet: lock: %w", err)
		}
	}
	f, err := os.OpenFile(lockPath, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("wallet: lock: %w", err)
	}
	deadline := time.Now().Add(wait)
	waited := false
	for {
		ok, err := tryLock(f)
		if err != nil {
			f.Close()
			return nil, fmt.Errorf("wallet: lock %s: %w", lockPath, err)
		}
		if ok {
			break
		}
		holder := readHolder(lockPath)
		if !time.Now().Before(deadline) {
			f.Close()
			return nil, busyError(path, holder, wait)
		}
		if !waited && onWait != nil {
			onWait(holder)
		}
		waited = true
		select {
		case <-ctx.Done():
			f.Close()
			return nil, ctx.Err()
		case <-time.After(min(lockPoll, time.Until(deadline))):
		}
	}
	// Record who holds it, for the message of a process that has to wait.
	if err := f.Truncate(0); err == nil {
		f.WriteAt([]byte(strconv.Itoa(os.Getpid())+"\n"), 0)
	}
	return &FileLock{f: f}, nil
}

// Unlock releases the lock. Calling it again does nothing.
func (l *FileLock) Unlock() error {
	if l == nil || l.f == nil {
		return nil
	}
	err := unlock(l.f)
	if cerr := l.f.Close(); err == nil {
		err = cerr
	}
	l.f = nil
	return err
}

func readHolder(lockPath string) int {
	data, err := os.ReadFile(lockPath)
	if err != nil {
		return 0
	}
	pid, _ := strconv.Atoi(strings.TrimSpace(string(data)))
	return pid
}

func busyError(path string, holder int, wait time.Duration) error {
	who := ""
	if holder > 0 {
		who = fmt.Sprintf(" (pid %d)", holder)
	}
	return fmt.Errorf("%w%s: %s, still locked after %s; try again when it is done", ErrWalletBusy, who, path, wait)
}
